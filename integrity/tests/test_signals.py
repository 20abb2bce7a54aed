"""Each signal fires on its case and stays quiet on its honest look-alike; signals are written with the records."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.audit import AuditEntry
from core.testing import login
from integrity import devices, services
from integrity.models import IntegritySignal, SignalKind
from meetings import services as meetings
from meetings.models import Attendance, Leave
from meetings.tests.factories import accept, make_session, mark_all
from orgs import services as org

from .factories import MANDATED, MINUTES_A, MINUTES_OTHER, days_ago, member, scheduled_in_time, with_minutes

pytestmark = pytest.mark.django_db


def kinds(session=None, **kw):
    qs = IntegritySignal.objects.all()
    if session is not None:
        qs = qs.filter(session=session)
    return sorted(qs.filter(**kw).values_list("kind", flat=True))


# ---- Late records --------------------------------------------------------------------------------

def test_a_session_entered_long_after_its_date_is_a_late_schedule(world):
    s = make_session(world, start=days_ago(10))
    sig = IntegritySignal.objects.get(session=s)
    assert sig.kind == SignalKind.LATE_SCHEDULE and "10 天" in sig.explanation and sig.year == s.day.year


def test_a_session_entered_a_few_days_after_raises_nothing(world):
    s = make_session(world, start=days_ago(3))
    assert kinds(s) == []


def test_first_attendance_recorded_late_is_a_signal(world):
    s = scheduled_in_time(world, days=12)
    mark_all(world, s)
    assert kinds(s) == [SignalKind.LATE_ATTENDANCE]


def test_approving_a_leave_early_does_not_make_late_attendance_look_timely(world):
    s = scheduled_in_time(world, days=12)
    # The leave was approved before the session; its attendance row is a leave row, not the first attendance.
    leave = Leave.objects.create(session=s, group=world.group_a, person=world.member_a.person, reason="出差",
                                 status="approved", decided_at=s.starts_at - dt.timedelta(days=1))
    Attendance.objects.create(session=s, group=world.group_a, person=leave.person, status="leave", source="leave",
                              recorded_at=s.starts_at - dt.timedelta(days=1))
    for user in (world.secretary_a, world.leader_a):
        meetings.attendance_record(session=s, group=world.group_a, person=user.person, status="present",
                                   by=world.secretary_a)
    assert kinds(s) == [SignalKind.LATE_ATTENDANCE]


def test_attendance_recorded_the_day_after_is_quiet(world):
    s = scheduled_in_time(world, days=1)
    mark_all(world, s)
    assert kinds(s) == []


def test_minutes_written_long_after_the_session_are_a_signal(world):
    s = scheduled_in_time(world, days=12)
    with_minutes(world, s, MINUTES_A)
    assert SignalKind.LATE_MINUTES in kinds(s)


def test_archiving_late_is_a_signal_and_does_not_hide_the_late_minutes(world):
    s = scheduled_in_time(world, days=15)
    mark_all(world, s)
    meetings.record_save(session=s, by=world.secretary_a, summary="会议学习了全会精神，研究了老旧小区改造工作。")
    meetings.session_archive(session=s, by=world.secretary_a)
    assert {SignalKind.LATE_ARCHIVE, SignalKind.LATE_ATTENDANCE} <= set(kinds(s))


def test_a_session_recorded_and_archived_on_time_is_quiet(world):
    s = scheduled_in_time(world, days=1)
    mark_all(world, s)
    meetings.record_save(session=s, by=world.secretary_a, minutes=MINUTES_A)
    meetings.session_archive(session=s, by=world.secretary_a)
    assert kinds(s) == []


def test_the_late_threshold_is_the_meetings_setting(world, settings):
    settings.MEETINGS_LATE_RECORD_DAYS = 30
    s = make_session(world, start=days_ago(20))
    assert kinds(s) == []


def test_a_batch_of_old_sessions_entered_in_one_sitting_is_a_signal(world):
    for n in (20, 35, 50):
        make_session(world, start=days_ago(n))
    batch = IntegritySignal.objects.get(kind=SignalKind.BATCH_ENTRY)
    assert batch.session is None and len(batch.facts["sessions"]) == 3 and "集中录入了 3 次" in batch.explanation


def test_sessions_scheduled_ahead_in_one_sitting_are_not_a_batch(world):
    for n in (7, 14, 21):
        make_session(world, start=timezone.now() + dt.timedelta(days=n))
    make_session(world, start=days_ago(20))  # one late entry alone is a late schedule, not a batch
    assert not IntegritySignal.objects.filter(kind=SignalKind.BATCH_ENTRY).exists()


# ---- Leave and presence --------------------------------------------------------------------------

def _today_session(world, **kw):
    # Leave is asked before the start and attendance taken on the day: the tests move the clock to 9:00 first.
    return make_session(world, start=timezone.now() + dt.timedelta(minutes=90), **kw)


def test_attendance_after_an_approved_leave_contradicts_it(world, local_time):
    local_time(9)
    s = _today_session(world)
    leave = meetings.leave_request(session=s, person=world.member_a.person, reason="出差", by=world.member_a)
    meetings.leave_decide(leave=leave, approve=True, by=world.leader_a)
    # The attendance service now refuses this (meetings.LeaveClash); a row written around it — an older
    # record, a direct import — is still a fact the signal reports.
    with pytest.raises(meetings.LeaveClash):
        meetings.attendance_record(session=s, group=world.group_a, person=world.member_a.person, status="present",
                                   by=world.secretary_a)
    row = Attendance.objects.filter(session=s, person=world.member_a.person).first()
    if row is None:
        row = Attendance.objects.create(session=s, group=world.group_a, person=world.member_a.person,
                                        status="present")
    else:
        Attendance.objects.filter(pk=row.pk).update(status="present", source="secretary")
        row.refresh_from_db()
    services.attendance_written(row)
    sig = IntegritySignal.objects.get(session=s, kind=SignalKind.LEAVE_CONTRADICTION)
    assert "钱委员" in sig.explanation


def test_approving_leave_for_someone_recorded_present_contradicts_it(world, local_time):
    local_time(9)
    s = _today_session(world)
    leave = meetings.leave_request(session=s, person=world.member_a.person, reason="出差", by=world.member_a)
    meetings.attendance_record(session=s, group=world.group_a, person=world.member_a.person, status="present",
                               by=world.secretary_a)
    with pytest.raises(ValidationError, match="不能再批准请假"):  # the service refuses it now
        meetings.leave_decide(leave=leave, approve=True, by=world.leader_a)
    Leave.objects.filter(pk=leave.pk).update(status="approved")  # as an older record holds it
    services.leave_approved(Leave.objects.get(pk=leave.pk))
    assert SignalKind.LEAVE_CONTRADICTION in kinds(s)


def test_a_leave_withdrawn_properly_then_attending_is_quiet(world, local_time):
    local_time(9)
    s = _today_session(world)
    leave = meetings.leave_request(session=s, person=world.member_a.person, reason="出差", by=world.member_a)
    # Not granted (the member's trip was cancelled and the 组长 declined it): the member then attends.
    meetings.leave_decide(leave=leave, approve=False, by=world.leader_a, note="本人撤回")
    meetings.attendance_record(session=s, group=world.group_a, person=world.member_a.person, status="present",
                               by=world.secretary_a)
    assert kinds(s) == []


def test_present_at_two_sessions_at_once_is_an_overlap_on_both(world):
    org.membership_add(group=world.group_b, person=world.member_a.person, role="member",
                       start=world.today.replace(month=1, day=1), by=None)
    start = timezone.now() - dt.timedelta(minutes=30)
    a = make_session(world, start=start)
    b = make_session(world, start=start + dt.timedelta(minutes=30), group=world.group_b, by=world.secretary_b)
    meetings.attendance_record(session=a, group=world.group_a, person=world.member_a.person, status="present",
                               by=world.secretary_a)
    with pytest.raises(ValidationError, match="时间重叠"):  # the attendance service refuses the clash now
        meetings.attendance_record(session=b, group=world.group_b, person=world.member_a.person, status="present",
                                   by=world.secretary_b)
    row = Attendance.objects.create(session=b, group=world.group_b, person=world.member_a.person, status="present")
    services.attendance_written(row)  # a row written around the service (an older record) is still reported
    assert kinds(a) == [SignalKind.OVERLAP] and kinds(b) == [SignalKind.OVERLAP]


def test_a_legitimate_lianxue_attended_through_two_groups_is_not_an_overlap(world):
    org.membership_add(group=world.group_b, person=world.member_a.person, role="member",
                       start=world.today.replace(month=1, day=1), by=None)
    s = make_session(world, joint_groups=[world.group_b], form="joint")
    accept(world, s)  # the partner group accepts before its members are recorded
    for group, by in ((world.group_a, world.secretary_a), (world.group_b, world.secretary_b)):
        meetings.attendance_record(session=s, group=group, person=world.member_a.person, status="present", by=by)
    later = make_session(world, start=timezone.now() + dt.timedelta(hours=3))
    assert kinds(s) == [] and kinds(later) == []


# ---- Texts of the record -------------------------------------------------------------------------

def test_minutes_repeating_another_groups_earlier_minutes_are_a_signal_with_passages(world):
    earlier = scheduled_in_time(world, days=40)
    with_minutes(world, earlier, MINUTES_A)
    later = scheduled_in_time(world, days=2, group=world.group_b, by=world.secretary_b)
    copied = MINUTES_A.replace("赵书记", "湖滨街道党工委书记").replace("秦秘书", "孙秘书")
    with_minutes(world, later, copied, by=world.secretary_b)
    sig = IntegritySignal.objects.get(session=later, kind=SignalKind.TEXT_REUSE)
    assert sig.facts["source"]["session"] == earlier.pk and "在先" in sig.explanation
    assert any("加装电梯" in "".join(x for x, _ in p["a"]) for p in sig.facts["passages"])
    assert not IntegritySignal.objects.filter(session=earlier, kind=SignalKind.TEXT_REUSE).exists()


def test_the_later_session_is_flagged_even_when_its_minutes_were_written_first(world):
    later = scheduled_in_time(world, days=2, group=world.group_b, by=world.secretary_b)
    with_minutes(world, later, MINUTES_A, by=world.secretary_b)
    earlier = scheduled_in_time(world, days=40)
    with_minutes(world, earlier, MINUTES_A.replace("赵书记", "李书记"))
    assert IntegritySignal.objects.filter(session=later, kind=SignalKind.TEXT_REUSE).exists()
    assert not IntegritySignal.objects.filter(session=earlier, kind=SignalKind.TEXT_REUSE).exists()


def test_minutes_sharing_the_title_and_the_mandated_wording_but_not_the_substance_are_quiet(world):
    a = scheduled_in_time(world, days=30)
    with_minutes(world, a, MINUTES_A)
    b = scheduled_in_time(world, days=2, group=world.group_b, by=world.secretary_b)
    with_minutes(world, b, f"{b.title}。" + MINUTES_OTHER, by=world.secretary_b)
    assert a.title == b.title and MANDATED in MINUTES_A and MANDATED in MINUTES_OTHER
    assert not IntegritySignal.objects.filter(kind=SignalKind.TEXT_REUSE).exists()


def test_a_sessions_own_minutes_and_summary_do_not_count_against_each_other(world):
    s = scheduled_in_time(world, days=1)
    meetings.record_save(session=s, by=world.secretary_a, minutes=MINUTES_A, summary=MINUTES_A)
    assert kinds(s) == []


# ---- One phone, several people -------------------------------------------------------------------

def _checkin(client, session, now=None):
    token = meetings.checkin_token(session)
    return client.post(reverse("meetings:checkin", args=[session.pk]), {"t": token}, REMOTE_ADDR="10.1.2.3")


def test_one_phone_checking_in_three_people_is_a_signal_never_a_block(world):
    s = make_session(world)
    phone = Client()
    mark = None
    for user in (world.secretary_a, world.leader_a, world.member_a):
        phone.logout()
        if mark:
            phone.cookies[devices.COOKIE] = mark  # the phone keeps its own mark across log-ins
        login(phone, user)
        response = _checkin(phone, s)
        assert response.status_code == 200  # every check-in goes through
        mark = response.cookies[devices.COOKIE].value
    sig = IntegritySignal.objects.get(session=s, kind=SignalKind.SHARED_DEVICE)
    assert "3 人" in sig.explanation and Attendance.objects.filter(session=s, source="qr").count() == 3


def test_forty_members_on_one_office_wifi_with_their_own_phones_raise_nothing(world):
    people = [member(world, f"成员{i:02d}") for i in range(37)] + [world.secretary_a, world.leader_a, world.member_a]
    s = make_session(world)
    for user in people:
        phone = Client()  # each member's own phone; all share the office's one address (REMOTE_ADDR)
        login(phone, user)
        assert _checkin(phone, s).status_code == 200
    assert Attendance.objects.filter(session=s, source="qr").count() == 40
    assert kinds(s) == []


# ---- Explaining ----------------------------------------------------------------------------------

def test_a_supervisor_explains_a_signal_audited_and_it_stays_visible(world, client):
    s = make_session(world, start=days_ago(10))
    sig = IntegritySignal.objects.get(session=s)
    login(client, world.supervisor_a)
    client.post(reverse("integrity:signal_explain", args=[sig.pk]), {"note": "系统故障，会后补录，已核实签到表"})
    sig.refresh_from_db()
    assert sig.explained_by == world.supervisor_a and sig.note.startswith("系统故障")
    assert AuditEntry.objects.filter(action="integrity.signal.explain", object_id=str(sig.pk)).exists()
    page = client.get(reverse("meetings:detail", args=[s.pk])).content.decode()
    assert "系统故障，会后补录" in page and "已说明" in page


def test_a_signal_explained_by_someone_outside_the_subtree_is_refused_and_unchanged(world, client):
    s = make_session(world, start=days_ago(10))
    sig = IntegritySignal.objects.get(session=s)
    url = reverse("integrity:signal_explain", args=[sig.pk])
    for user, status in ((world.supervisor_b, 404), (world.outsider, 404), (world.secretary_a, 403)):
        client.logout()
        login(client, user)
        response = client.post(url, {"note": "不是我的范围"})
        assert response.status_code == status
    sig.refresh_from_db()
    assert sig.explained_at is None and sig.note == ""
    client.logout()
    login(client, world.secretary_a)
    assert "督导人员" in client.post(url, {"note": "x"}).content.decode()


def test_an_empty_note_is_refused_in_chinese(world):
    s = make_session(world, start=days_ago(10))
    sig = IntegritySignal.objects.get(session=s)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="请填写情况说明"):
        services.signal_explain(signal=sig, note="  ", by=world.supervisor_a)


def test_signals_show_on_the_session_the_group_and_the_overview(world, client):
    s = make_session(world, start=days_ago(10))
    login(client, world.supervisor_a)
    assert "补录学习安排" in client.get(reverse("meetings:detail", args=[s.pk])).content.decode()
    group_page = client.get(reverse("meetings:group", args=[world.group_a.pk])).content.decode()
    assert "真学真记提示 1" in group_page
    overview = client.get(reverse("meetings:overview")).content.decode()
    assert reverse("integrity:group_signals", args=[world.group_a.pk]) in overview


def test_signal_counts_are_one_query_for_many_groups(world, django_assert_num_queries):
    make_session(world, start=days_ago(10))
    from integrity.selectors import signal_counts

    with django_assert_num_queries(1):
        counts = signal_counts([world.group_a.pk, world.group_b.pk], days_ago(10).year)
    assert counts[world.group_a.pk].open == 1 and world.group_b.pk not in counts
