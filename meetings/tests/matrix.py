"""Who may reach each meetings URL. A session of group A is visible to its members and to the supervisors of
county A and the city; writes need a managing role in group A; leave decisions and draws need the 组长."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.testing import OK, Case

from .factories import make_session, mark_all, next_week

MEMBERS_A = ("secretary_a", "leader_a", "member_a")
SEES_A = MEMBERS_A + ("supervisor_a", "city_supervisor")
WITH_PERSON = MEMBERS_A + ("secretary_b", "supervisor_a", "supervisor_b", "city_supervisor", "observer")


def _expect(allowed, value=OK, forbidden=SEES_A):
    """`allowed` get `value`; others who can see group A get 403; the rest 404 (the Case default)."""
    out = {p: 403 for p in forbidden}
    out.update({p: value for p in allowed})
    return out


READ = {p: 200 for p in SEES_A}
MANAGE_GET = _expect(("secretary_a", "leader_a"), 200)
MANAGE_POST = _expect(("secretary_a", "leader_a"), OK)
PRESIDE_POST = _expect(("leader_a",), OK)
MEMBER_GET = _expect(MEMBERS_A, 200)
MEMBER_POST = _expect(MEMBERS_A, OK)


def session(w):
    return [make_session(w).pk]


def group_a(w):
    return [w.group_a.pk]


def archived(w):
    from meetings import services
    from meetings.models import StudySession

    # One builder call per persona in the same database: hours apart, since nobody is present at two
    # overlapping sessions.
    s = make_session(w, start=timezone.now() - dt.timedelta(days=1, hours=3 * StudySession.objects.count()))
    mark_all(w, s)
    services.attendance_record(session=s, group=w.group_a, person=w.member_a.person, status="absent",
                               by=w.secretary_a)
    services.record_save(session=s, by=w.secretary_a, summary="小结")
    return services.session_archive(session=s, by=w.secretary_a)


def with_leave(w):
    from meetings import services

    s = next_week(w)
    leave = services.leave_request(session=s, person=w.member_a.person, reason="出差", by=w.member_a)
    return [s.pk, leave.pk]


def with_attachment(w):
    from meetings import services

    s = make_session(w)
    upload = SimpleUploadedFile("合影.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    att = services.attachment_add(session=s, kind="photo", upload=upload, by=w.secretary_a)
    return [s.pk, att.pk]


def makeup(w):
    from meetings.models import MakeUp

    return [MakeUp.objects.get(session=archived(w), person=w.member_a.person).pk]


def invitation(action):
    """A 联学 of group A that group B is invited to and has not answered."""

    def build(w):
        s = make_session(w, form="joint", joint_groups=[w.group_b], start=timezone.now() + dt.timedelta(days=3))
        return [s.pk, w.group_b.pk, action]

    return build


def feed(w):
    from meetings.feeds import feed_token

    return [feed_token(w.member_a)]


CASES = [
    Case("meetings:index", expect={p: 302 for p in WITH_PERSON}),
    Case("meetings:group", group_a, READ),
    Case("meetings:group_export", group_a, READ),
    Case("meetings:schedule", group_a, MANAGE_GET),
    Case("meetings:schedule", group_a, MANAGE_POST, method="post"),
    Case("meetings:detail", session, READ),
    Case("meetings:edit", session, MANAGE_GET),
    Case("meetings:edit", session, MANAGE_POST, method="post"),
    Case("meetings:speaker_approve", session, MANAGE_POST, method="post"),
    Case("meetings:attendance", session, MANAGE_GET),
    Case("meetings:attendance", session, MANAGE_POST, method="post"),
    Case("meetings:projector", session, MANAGE_GET),
    Case("meetings:qr", session, MANAGE_GET),
    Case("meetings:checkin", session, MEMBER_GET | {p: 400 for p in MEMBERS_A}),  # no token in the URL
    Case("meetings:checkin", session, MEMBER_POST, method="post"),
    Case("meetings:leave", session, MEMBER_POST, method="post"),
    Case("meetings:leave_decide", with_leave, PRESIDE_POST, method="post"),
    Case("meetings:draw", session, PRESIDE_POST, method="post"),
    Case("meetings:record", session, MANAGE_POST, method="post"),
    Case("meetings:attach", session, MANAGE_POST, method="post"),
    Case("meetings:attachment", with_attachment, READ),
    Case("meetings:prepare", session, MEMBER_GET),
    Case("meetings:prepare", session, MEMBER_POST, method="post"),
    Case("meetings:archive", session, MANAGE_POST, method="post"),
    Case("meetings:cancel", session, MANAGE_POST, method="post"),
    # Only the invited group's 组长/学习秘书 answer; the host's managers are refused, everyone else (group B's
    # supervisor and observer included: nothing of theirs is in it until it accepts) finds nothing.
    Case("meetings:partner", invitation("accept"), _expect(("secretary_b",), OK), method="post"),
    Case("meetings:partner", invitation("remove"), MANAGE_POST | {"secretary_b": 403}, method="post"),
    Case("meetings:correct", lambda w: [archived(w).pk], MANAGE_GET),
    Case("meetings:correct", lambda w: [archived(w).pk], MANAGE_POST, method="post"),
    Case("meetings:makeup_report", session, MANAGE_POST, method="post"),
    Case("meetings:export_docx", session, READ),
    Case("meetings:export_xlsx", session, READ),
    Case("meetings:makeups", default=200),
    Case("meetings:makeup", makeup, {"member_a": 200}),
    Case("meetings:makeup", makeup, {"member_a": OK}, method="post"),
    Case("meetings:my_year", expect={p: 200 for p in WITH_PERSON}),
    Case("meetings:calendar", expect={p: 200 for p in WITH_PERSON}),
    Case("meetings:calendar", expect={p: 400 for p in WITH_PERSON}, method="post"),
    Case("meetings:ics", feed, {"anonymous": 200}, default=200),
    Case("meetings:overview", expect={p: 200 for p in ("supervisor_a", "supervisor_b", "city_supervisor")}),
]
