"""Small helpers for meetings tests: a session of group A that is under way now, or one next week."""

import datetime as dt

from django.utils import timezone

from meetings import services


def make_session(world, *, by=None, start=None, hours=2, group=None, **kw):
    start = start or (timezone.now() - dt.timedelta(minutes=30))
    fields = dict(title="学习贯彻党的二十届四中全会精神", form="seminar", place="三楼会议室",
                  agenda="一、领学；二、研讨交流；三、组长总结")
    fields.update(kw)
    return services.session_schedule(group=group or world.group_a, by=by or world.secretary_a, starts_at=start,
                                     ends_at=start + dt.timedelta(hours=hours), **fields)


def next_week(world, **kw):
    return make_session(world, start=timezone.now() + dt.timedelta(days=7), **kw)


def mark_all(world, session, status="present", group=None):
    group = group or world.group_a
    for m in group.memberships.on(session.day):
        services.attendance_record(session=session, group=group, person=m.person, status=status,
                                   by=world.secretary_a)


def accept(world, session, group=None, by=None):
    """The invited group's secretary accepts the 联学 (until then the host sees only its name and counts)."""
    services.partner_decide(session=session, group=group or world.group_b, accept=True, by=by or world.secretary_b)
