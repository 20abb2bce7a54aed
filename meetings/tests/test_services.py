import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from meetings import selectors, services
from meetings.models import Attendance, CallOnDraw, Leave, MakeUp, Notice, SessionStatus
from orgs import services as org
from orgs.models import Role

from .factories import accept, make_session, mark_all, next_week

pytestmark = pytest.mark.django_db


def person(user):
    return user.person


class TestScheduling:
    def test_it_schedules_a_session_and_notifies_the_members(self, world):
        session = next_week(world, lead_reader=person(world.leader_a), speakers=[person(world.member_a)])
        assert session.participations.get().is_host
        assert Notice.objects.filter(session=session).count() == 3
        assert not session.late_record

    def test_it_refuses_an_end_before_the_start(self, world):
        start = timezone.now()
        with pytest.raises(ValidationError) as exc:
            services.session_schedule(group=world.group_a, by=world.secretary_a, title="t", form="seminar",
                                      starts_at=start, ends_at=start - dt.timedelta(hours=1), place="会议室")
        assert "结束时间必须晚于开始时间" in str(exc.value)

    def test_it_refuses_a_lead_reader_who_is_not_a_member(self, world):
        with pytest.raises(ValidationError, match="不是本组成员"):
            next_week(world, lead_reader=person(world.secretary_b))

    def test_a_session_recorded_long_after_its_date_is_flagged_late(self, world):
        session = make_session(world, start=timezone.now() - dt.timedelta(days=20))
        assert session.late_record and "20" in session.late_reason

    def test_a_session_recorded_within_the_limit_is_not_late(self, world, settings):
        settings.MEETINGS_LATE_RECORD_DAYS = 30
        assert not make_session(world, start=timezone.now() - dt.timedelta(days=20)).late_record

    def test_outside_speaker_needs_approval_before_attendance(self, world):
        session = make_session(world, form="lecture", outside_speaker="省委党校王教授")
        with pytest.raises(ValidationError, match="政治把关"):
            services.attendance_record(session=session, group=world.group_a, person=person(world.member_a),
                                       status="present", by=world.secretary_a)
        with pytest.raises(ValidationError):
            services.session_approve_speaker(session=session, by=world.leader_a, note="")
        services.session_approve_speaker(session=session, by=world.leader_a, note="经区委宣传部审核，备案号 2026-07")
        services.attendance_record(session=session, group=world.group_a, person=person(world.member_a),
                                   status="present", by=world.secretary_a)


class TestAttendance:
    def test_marking_twice_keeps_one_row(self, world):
        session = make_session(world)
        for status in ("present", "late", "late"):
            services.attendance_record(session=session, group=world.group_a, person=person(world.member_a),
                                       status=status, by=world.secretary_a)
        assert Attendance.objects.get(session=session).status == "late"

    def test_it_refuses_a_mark_for_someone_who_is_not_a_member(self, world):
        session = make_session(world)
        with pytest.raises(ValidationError, match="不是.*成员"):
            services.attendance_record(session=session, group=world.group_a, person=person(world.secretary_b),
                                       status="present", by=world.secretary_a)
        assert not Attendance.objects.exists()

    def test_bulk_marks_are_all_or_nothing(self, world):
        session = make_session(world)
        with pytest.raises(ValidationError):
            services.attendance_bulk(session=session, group=world.group_a, by=world.secretary_a,
                                     marks={person(world.member_a).pk: "present",
                                            person(world.secretary_b).pk: "present"})
        assert not Attendance.objects.exists()

    def test_attendance_rate_excludes_people_who_were_not_members_that_day(self, world):
        session = make_session(world, start=timezone.now() - dt.timedelta(days=3))
        mark_all(world, session)
        newcomer = org.person_create(unit=world.town_a, name="新成员", by=None)
        org.membership_add(group=world.group_a, person=newcomer, role=Role.MEMBER, start=timezone.localdate(),
                           by=None)
        rate = selectors.attendance_rate(session, world.group_a)
        assert (rate.attended, rate.expected, rate.percent) == (3, 3, 100.0)
        with pytest.raises(ValidationError):
            services.attendance_record(session=session, group=world.group_a, person=newcomer, status="absent",
                                       by=world.secretary_a)

    def test_a_member_who_left_before_is_not_counted(self, world):
        m = world.member_a.person.memberships.get()
        org.membership_end(membership=m, end=timezone.localdate() - dt.timedelta(days=10), by=None)
        session = make_session(world)
        services.attendance_record(session=session, group=world.group_a, person=person(world.leader_a),
                                   status="present", by=world.secretary_a)
        rate = selectors.attendance_rate(session, world.group_a)
        assert (rate.attended, rate.expected) == (1, 2)

    def test_late_attendance_flags_the_session(self, world):
        session = make_session(world, start=timezone.now() - dt.timedelta(days=2))
        services.StudySession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - dt.timedelta(days=12),
                                                                  day=timezone.localdate() - dt.timedelta(days=12),
                                                                  ends_at=timezone.now() - dt.timedelta(days=12)
                                                                  + dt.timedelta(hours=2))
        session.refresh_from_db()
        services.attendance_record(session=session, group=world.group_a, person=person(world.member_a),
                                   status="present", by=world.secretary_a)
        session.refresh_from_db()
        assert session.late_record and "考勤" in session.late_reason


class TestJointStudy:
    def test_each_group_keeps_its_own_attendance(self, world):
        session = make_session(world, form="joint", joint_groups=[world.group_b], venues={world.group_b.pk: "湖滨分会场"})
        accept(world, session)
        mark_all(world, session, group=world.group_a)
        services.attendance_record(session=session, group=world.group_b, person=person(world.secretary_b),
                                   status="absent", by=world.secretary_b)
        assert selectors.attendance_rate(session, world.group_a).percent == 100.0
        assert selectors.attendance_rate(session, world.group_b).percent == 0.0
        with pytest.raises(ValidationError):
            services.attendance_record(session=session, group=world.group_a, person=person(world.secretary_b),
                                       status="present", by=world.secretary_a)
        year = timezone.localdate().year
        assert [r.id for _, rows, _ in selectors.group_sessions(world.group_b, year=year) for r in rows] == [session.pk]

    def test_joint_groups_require_the_joint_form(self, world):
        with pytest.raises(ValidationError, match="联学"):
            make_session(world, joint_groups=[world.group_b])


class TestCheckin:
    def test_a_member_checks_in_once_even_when_the_token_is_replayed(self, world):
        session = make_session(world)
        token = services.checkin_token(session)
        rows, created = services.checkin(session=session, token=token, by=world.member_a)
        assert created and rows[0].status == "late"  # 30 minutes after the start
        rows, created = services.checkin(session=session, token=token, by=world.member_a)
        assert not created
        assert Attendance.objects.filter(session=session).count() == 1

    def test_a_scan_is_recorded_whole_or_not_at_all(self, world, monkeypatch):
        """The attendance row, the stored counts, the device mark and the audit entry are one transaction: a
        failure at the last of them (the audit chain) leaves no row behind that the audit does not know of."""
        from integrity.models import DeviceCheckin
        from meetings.models import Participation

        session = make_session(world)
        token = services.checkin_token(session)
        attended = list(Participation.objects.filter(session=session).values_list("attended", flat=True))

        def audit_fails(**kwargs):
            raise RuntimeError("audit chain unavailable")

        monkeypatch.setattr(services.audit, "record", audit_fails)
        with pytest.raises(RuntimeError):
            services.checkin(session=session, token=token, by=world.member_a, device="phone-1")
        assert not Attendance.objects.filter(session=session).exists()
        assert not DeviceCheckin.objects.filter(session=session).exists()
        assert list(Participation.objects.filter(session=session).values_list("attended", flat=True)) == attended
        monkeypatch.undo()
        rows, created = services.checkin(session=session, token=token, by=world.member_a, device="phone-1")
        assert created and DeviceCheckin.objects.filter(session=session, device="phone-1").count() == 1

    def test_a_scan_that_waited_while_the_session_was_called_off_records_nothing(self, world, monkeypatch):
        """The rules are read before the write lock; a cancel or archive committed meanwhile is seen under it."""
        from meetings.models import StudySession

        session = make_session(world)
        token = services.checkin_token(session)
        original = services.presence_clash  # the last read before the write lock

        def cancelled_meanwhile(*args, **kwargs):
            StudySession.objects.filter(pk=session.pk).update(status=SessionStatus.CANCELLED)
            return original(*args, **kwargs)

        monkeypatch.setattr(services, "presence_clash", cancelled_meanwhile)
        with pytest.raises(ValidationError, match="已归档或已取消"):
            services.checkin(session=session, token=token, by=world.member_a, device="phone-1")
        assert not Attendance.objects.filter(session=session).exists()

    def test_an_expired_token_is_refused(self, world):
        session = make_session(world)
        token = services.checkin_token(session, now=timezone.now() - dt.timedelta(seconds=65))
        with pytest.raises(ValidationError, match="已过期"):
            services.checkin(session=session, token=token, by=world.member_a)

    def test_the_previous_window_is_still_accepted(self, world):
        session = make_session(world)
        now = timezone.now()
        token = services.checkin_token(session, now=now - dt.timedelta(seconds=30))
        services.checkin_verify(session, token, now=now)

    def test_a_forged_or_foreign_token_is_refused(self, world):
        session = make_session(world)
        other = make_session(world, title="另一场")
        with pytest.raises(ValidationError, match="无效"):
            services.checkin(session=session, token=services.checkin_token(session) + "x", by=world.member_a)
        with pytest.raises(ValidationError, match="不属于"):
            services.checkin(session=session, token=services.checkin_token(other), by=world.member_a)
        assert not Attendance.objects.exists()

    def test_a_session_not_yet_open_refuses_check_in(self, world):
        session = next_week(world)
        with pytest.raises(ValidationError, match="尚未开始"):
            services.checkin(session=session, token=services.checkin_token(session), by=world.member_a)

    def test_an_archived_session_refuses_check_in(self, world):
        session = archived_session(world)
        with pytest.raises(ValidationError, match="已归档"):
            services.checkin(session=session, token=services.checkin_token(session), by=world.member_a)

    def test_approved_leave_refuses_the_scan(self, world):
        session = make_session(world, start=timezone.now() + dt.timedelta(minutes=30))  # open an hour early
        leave = services.leave_request(session=session, person=person(world.member_a), reason="赴省里开会",
                                       by=world.member_a)
        services.leave_decide(leave=leave, approve=True, by=world.leader_a)
        with pytest.raises(ValidationError, match="请假已经批准"):
            services.checkin(session=session, token=services.checkin_token(session), by=world.member_a)
        assert Attendance.objects.get(session=session).status == "leave"

    def test_the_last_membership_of_the_day_decides_the_role(self, world):
        # Two rows of one group on the day (an import can make them): the roster (members_on_day) reads the later.
        from orgs.models import Membership

        session = make_session(world)
        Membership.objects.create(group=world.group_a, person=person(world.member_a), role="attendee",
                                  start=session.day)
        assert services.members_on_day(world.group_a, session.day)[person(world.member_a).pk] == "attendee"
        rows, _ = services.checkin(session=session, token=services.checkin_token(session), by=world.member_a)
        assert [r.status for r in rows] == ["attendee"]

    def test_a_non_member_cannot_check_in(self, world):
        session = make_session(world)
        with pytest.raises(ValidationError, match="不是"):
            services.checkin(session=session, token=services.checkin_token(session), by=world.secretary_b)


class TestLeaveAndMakeUp:
    def test_leave_is_asked_approved_and_becomes_attendance(self, world):
        session = next_week(world)
        leave = services.leave_request(session=session, person=person(world.member_a), reason="赴省里开会",
                                       by=world.member_a)
        with pytest.raises(ValidationError, match="已提交"):
            services.leave_request(session=session, person=person(world.member_a), reason="again", by=world.member_a)
        services.leave_decide(leave=leave, approve=True, by=world.leader_a)
        assert Attendance.objects.get(session=session).status == "leave"
        with pytest.raises(ValidationError, match="审批过"):
            services.leave_decide(leave=leave, approve=False, by=world.leader_a)

    def test_leave_after_the_start_is_refused(self, world):
        session = make_session(world)
        with pytest.raises(ValidationError, match="已经开始"):
            services.leave_request(session=session, person=person(world.member_a), reason="事", by=world.member_a)
        assert not Leave.objects.exists()

    def test_a_refused_leave_may_be_asked_again(self, world):
        session = next_week(world)
        leave = services.leave_request(session=session, person=person(world.member_a), reason="事",
                                       by=world.member_a)
        services.leave_decide(leave=leave, approve=False, by=world.leader_a)
        services.leave_request(session=session, person=person(world.member_a), reason="确有要事", by=world.member_a)
        assert Leave.objects.count() == 2

    def test_absentees_get_a_makeup_that_is_reported_at_the_next_session(self, world):
        first = archived_session(world, absent=world.member_a, start=timezone.now() - dt.timedelta(days=5))
        makeup = MakeUp.objects.get(session=first)
        from workdays.selectors import add_workdays

        # Ten working days on the product's calendar (MEETINGS_MAKEUP_DAYS counts working days).
        assert makeup.person == person(world.member_a) and makeup.due == add_workdays(first.day, 10)
        with pytest.raises(ValidationError, match="20"):
            services.makeup_submit(makeup=makeup, reflection="短", by=world.member_a)
        services.makeup_submit(makeup=makeup, reflection="认真学习了会议精神，体会到理论学习要联系实际、" * 2,
                               by=world.member_a)
        second = make_session(world)
        assert services.makeup_report(session=second, by=world.secretary_a) == 1
        makeup.refresh_from_db()
        assert makeup.status == "reported" and makeup.reported_in == second


def archived_session(world, *, absent=None, start=None):
    session = make_session(world, start=start)
    mark_all(world, session)
    if absent is not None:
        services.attendance_record(session=session, group=world.group_a, person=absent.person, status="absent",
                                   by=world.secretary_a)
    services.record_save(session=session, by=world.secretary_a, minutes="会议纪要……", summary="学习小结……")
    return services.session_archive(session=session, by=world.secretary_a)


class TestDraw:
    def test_the_draw_is_reproducible_and_never_picks_an_absent_member(self, world):
        session = make_session(world)
        mark_all(world, session)
        services.attendance_record(session=session, group=world.group_a, person=person(world.member_a),
                                   status="absent", by=world.secretary_a)
        draws = [services.draw_speaker(session=session, by=world.leader_a, seed=f"s{i}") for i in range(2)]
        assert {d.picked_id for d in draws} == {person(world.leader_a).pk, person(world.secretary_a).pk}
        assert all(services.draw_verify(d) for d in draws)
        assert draws[0].picked_id == services._pick("s0", draws[0].candidates, draws[0].weights)
        with pytest.raises(ValidationError, match="没有可点名"):
            services.draw_speaker(session=session, by=world.leader_a)
        assert CallOnDraw.objects.count() == 2

    def test_the_same_seed_gives_the_same_pick(self, world):
        picks = set()
        for i in range(3):
            # Hours apart: one person cannot be present at two overlapping sessions.
            session = make_session(world, start=timezone.now() - dt.timedelta(hours=3 * i + 1))
            mark_all(world, session)
            picks.add(services.draw_speaker(session=session, by=world.leader_a, seed="fixed",
                                            favour_less_called=False).picked_id)
        assert len(picks) == 1

    def test_the_draw_favours_members_called_on_less_often(self, world):
        session = make_session(world)
        mark_all(world, session)
        for i in range(3):
            old = make_session(world, start=timezone.now() - dt.timedelta(days=i + 1))
            mark_all(world, old)
            CallOnDraw.objects.create(session=old, seed="x", candidates=[], weights=[], picked=person(world.leader_a))
        candidates, weights = services.draw_candidates(session)
        w = dict(zip(candidates, weights, strict=True))
        assert w[person(world.leader_a).pk] == 0.25 and w[person(world.member_a).pk] == 1.0


class TestArchive:
    def test_it_cannot_archive_until_all_five_are_recorded(self, world):
        session = make_session(world)
        with pytest.raises(ValidationError) as exc:
            services.session_archive(session=session, by=world.secretary_a)
        assert "人员" in str(exc.value) and "效果" in str(exc.value)
        mark_all(world, session)
        services.record_save(session=session, by=world.secretary_a, summary="小结")
        assert services.session_archive(session=session, by=world.secretary_a).status == SessionStatus.ARCHIVED

    def test_an_archived_session_is_locked_and_corrected_beside_the_original(self, world):
        session = archived_session(world)
        with pytest.raises(ValidationError, match="已归档"):
            services.record_save(session=session, by=world.secretary_a, minutes="改")
        with pytest.raises(ValidationError, match="已归档"):
            services.attendance_record(session=session, group=world.group_a, person=person(world.member_a),
                                       status="absent", by=world.secretary_a)
        with pytest.raises(ValidationError, match="理由"):
            services.correction_add(session=session, field="place", new_value="四楼", reason="", by=world.secretary_a)
        c = services.correction_add(session=session, field="place", new_value="四楼会议室", reason="原记录地点有误",
                                    by=world.secretary_a)
        session.refresh_from_db()
        assert session.place == "三楼会议室" and c.old_value == "三楼会议室"
        assert services.effective_value(session, "place") == "四楼会议室"
        field = f"attendance:{world.group_a.pk}-{person(world.member_a).pk}"
        c = services.correction_add(session=session, field=field, new_value="leave", reason="当日已批准请假",
                                    by=world.secretary_a)
        assert (c.old_value, c.new_value) == ("出席", "请假")

    def test_uploads_are_limited_in_size_and_type(self, world):
        session = make_session(world)
        big = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "image/jpeg")
        with pytest.raises(ValidationError, match="文件过大"):
            services.attachment_add(session=session, kind="photo", upload=big, by=world.secretary_a)
        gif = SimpleUploadedFile("photo.gif", b"GIF89a....", "image/gif")
        with pytest.raises(ValidationError, match="JPG 或 PNG"):
            services.attachment_add(session=session, kind="photo", upload=gif, by=world.secretary_a)
        exe = SimpleUploadedFile("纪要.pdf", b"MZ\x90\x00", "application/pdf")
        with pytest.raises(ValidationError, match="不符"):
            services.attachment_add(session=session, kind="minutes", upload=exe, by=world.secretary_a)
        ok = SimpleUploadedFile("合影.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
        att = services.attachment_add(session=session, kind="photo", upload=ok, by=world.secretary_a)
        assert att.content_type == "image/png" and session.attachments.count() == 1


class TestSelectors:
    def test_member_year_counts_only_sessions_while_a_member(self, world):
        s1 = make_session(world, start=timezone.now() - dt.timedelta(days=2))
        mark_all(world, s1)
        rows, rate = selectors.member_year(world.member_a.person, timezone.localdate().year)
        assert [r.session_id for r in rows] == [s1.pk] and rate.percent == 100.0

    def test_overview_flags_low_attendance(self, world):
        s = make_session(world, start=timezone.now() - dt.timedelta(days=2))
        services.attendance_record(session=s, group=world.group_a, person=person(world.member_a), status="present",
                                   by=world.secretary_a)
        from orgs.models import StudyGroup

        rows = {r.group_id: r for r in selectors.overview(StudyGroup.objects.all(), year=timezone.localdate().year)}
        assert rows[world.group_a.pk].held == 1 and rows[world.group_a.pk].below
        assert rows[world.group_b.pk].held == 0 and not rows[world.group_b.pk].below


class TestCorrectionsAndNotices:
    def test_an_attendance_correction_changes_the_rate_but_not_the_original_row(self, world):
        session = archived_session(world, absent=world.member_a)
        assert selectors.attendance_rate(session, world.group_a).attended == 2
        field = f"attendance:{world.group_a.pk}-{world.member_a.person.pk}"
        services.correction_add(session=session, field=field, new_value="present", reason="签到表漏登记，经核实出席",
                                by=world.secretary_a)
        assert selectors.attendance_rate(session, world.group_a).attended == 3
        assert Attendance.objects.get(session=session, person=world.member_a.person).status == "absent"

    def test_the_attendance_sheet_counts_its_rate_as_the_rates_do(self, world):
        guest = org.person_create(unit=world.town_a, name="列席同志", by=None)
        org.membership_add(group=world.group_a, person=guest, role=Role.ATTENDEE, start=timezone.localdate(), by=None)
        session = archived_session(world, absent=world.member_a)  # the 列席 guest is marked present too

        def sheet_rate():
            return next(g.rate for g in selectors.session_attendance(session) if g.group_id == world.group_a.pk)

        assert sheet_rate() == selectors.attendance_rate(session, world.group_a) == selectors.Rate(2, 3)
        for who, status in ((world.member_a, "present"), (world.leader_a, "absent"), (world.leader_a, "present")):
            services.correction_add(session=session, field=f"attendance:{world.group_a.pk}-{who.person.pk}",
                                    new_value=status, reason="经核实更正考勤", by=world.secretary_a)
        assert sheet_rate() == selectors.attendance_rate(session, world.group_a) == selectors.Rate(3, 3)

    # The task worker sends the copies (notices/tests/test_delivery.py runs it); here: what gets queued.
    def test_notices_are_queued_for_email_when_switched_on(self, world, settings, mailoutbox):
        from notices.models import Delivery

        settings.MEETINGS_EMAIL_NOTICES = True
        world.member_a.email = "qian@example.gov.cn"
        world.member_a.save()
        next_week(world)
        assert mailoutbox == []
        assert list(Delivery.objects.values_list("channel", "target")) == [("email", "qian@example.gov.cn")]

    def test_the_webhook_is_silent_unless_configured(self, world, settings):
        from notices.models import Delivery

        next_week(world)
        assert not Delivery.objects.exists()
        settings.MEETINGS_WEBHOOK_URL = "https://oapi.dingtalk.example/robot/send?access_token=x"
        next_week(world)
        delivery = Delivery.objects.get()
        assert delivery.target == "oapi.dingtalk.example" and "学习安排" in delivery.text

    def test_a_joint_guests_leave_is_decided_by_their_own_leader(self, world, as_user):
        from django.urls import reverse

        session = make_session(world, form="joint", joint_groups=[world.group_b],
                               start=timezone.now() + dt.timedelta(days=2))
        accept(world, session)
        leave = services.leave_request(session=session, person=world.secretary_b.person, reason="出差",
                                       by=world.secretary_b)
        assert leave.group == world.group_b
        url = reverse("meetings:leave_decide", args=[session.pk, leave.pk])
        assert as_user(world.leader_a).post(url, {"approve": "1"}).status_code == 403


def test_moving_a_session_far_into_the_past_flags_it_late(world):
    session = next_week(world)
    start = timezone.now() - dt.timedelta(days=30)
    session = services.session_update(session=session, by=world.secretary_a, starts_at=start,
                                      ends_at=start + dt.timedelta(hours=2))
    assert session.late_record and "改动" in session.late_reason


def test_the_overview_counts_in_the_database_agree_with_the_per_session_rates(world):
    from orgs.models import StudyGroup

    s1 = make_session(world, start=timezone.now() - dt.timedelta(days=20))
    mark_all(world, s1)
    m = world.member_a.person.memberships.get()
    org.membership_end(membership=m, end=timezone.localdate() - dt.timedelta(days=10), by=None)  # left after s1
    s2 = archived_session(world, start=timezone.now() - dt.timedelta(days=3))
    services.correction_add(session=s2, field=f"attendance:{world.group_a.pk}-{world.leader_a.person.pk}",
                            new_value="absent", reason="经核实当日缺席", by=world.secretary_a)
    expected = [selectors.attendance_rate(s, world.group_a) for s in (s1, s2)]
    row = next(r for r in selectors.overview(StudyGroup.objects.all(), year=timezone.localdate().year)
               if r.group_id == world.group_a.pk)
    assert (row.rate.attended, row.rate.expected) == (sum(r.attended for r in expected),
                                                      sum(r.expected for r in expected)) == (4, 5)


def test_the_overview_applies_many_corrections_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from orgs.models import StudyGroup

    s1 = archived_session(world, absent=world.member_a, start=timezone.now() - dt.timedelta(days=6))
    s2 = archived_session(world, start=timezone.now() - dt.timedelta(days=3))
    fixes = [(s1, world.member_a, "present"), (s1, world.leader_a, "absent"), (s1, world.leader_a, "late"),
             (s2, world.secretary_a, "leave"), (s2, world.member_a, "absent")]
    for session, who, status in fixes:
        services.correction_add(session=session, field=f"attendance:{world.group_a.pk}-{who.person.pk}",
                                new_value=status, reason="经核实更正考勤", by=world.secretary_a)
    expected = [selectors.attendance_rate(s, world.group_a) for s in (s1, s2)]
    groups = StudyGroup.objects.all()
    selectors.overview(groups, year=timezone.localdate().year)  # stores figures for the groups that had none
    with django_assert_max_num_queries(8):
        row = next(r for r in selectors.overview(groups, year=timezone.localdate().year) if r.group_id == world.group_a.pk)
    assert (row.rate.attended, row.rate.expected) == (sum(r.attended for r in expected),
                                                      sum(r.expected for r in expected)) == (4, 6)
