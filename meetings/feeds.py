"""The calendar feed (.ics) a member's calendar app subscribes to, and the address that is its key.

Kept apart from documents.py so the calendar page does not load python-docx into the web worker."""

import hashlib

from django.core import signing


def _feed_key(user):
    # Bound to the password hash, so changing the password revokes every copied feed address.
    return hashlib.sha256(f"{user.pk}:{user.password}".encode()).hexdigest()[:12]


def feed_token(user):
    return signing.dumps({"u": user.pk, "k": _feed_key(user)}, salt="meetings.ics")


def feed_user(token):
    from accounts.models import User

    try:
        data = signing.loads(token, salt="meetings.ics")
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).select_related("person").first()
    if user is None or not user.person_id or _feed_key(user) != data.get("k"):
        return None
    return user


def ics_feed(sessions, host):
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//中心组学习管理平台//meetings//CN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "中心组学习安排")
    for s in sessions:
        ev = Event()
        ev.add("uid", f"session-{s.pk}@{host}")
        ev.add("dtstamp", s.created)
        ev.add("dtstart", s.starts_at)
        ev.add("dtend", s.ends_at)
        ev.add("summary", f"{s.get_form_display()}：{s.title}")
        ev.add("location", s.place)
        ev.add("description", "\n".join(x for x in (s.agenda, s.pre_reading) if x))
        if s.status == "cancelled":
            ev.add("status", "CANCELLED")
        cal.add_component(ev)
    return cal.to_ical()
