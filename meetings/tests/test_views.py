import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.feeds import feed_token
from meetings.models import Attendance, CallOnDraw, Correction, StudySession

from .factories import accept, make_session, mark_all, next_week

pytestmark = pytest.mark.django_db


def _dt(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


class TestSchedulePage:
    def test_the_secretary_schedules_a_session(self, world, as_user):
        client = as_user(world.secretary_a)
        start = timezone.now() + dt.timedelta(days=3)
        response = client.post(reverse("meetings:schedule", args=[world.group_a.pk]), {
            "title": "学习《习近平谈治国理政》第五卷", "topic_source": "plan", "form": "seminar",
            "starts_at": _dt(start), "ends_at": _dt(start + dt.timedelta(hours=2)), "place": "二楼会议室",
            "lead_reader": world.leader_a.person.pk, "speakers": [world.member_a.person.pk],
        })
        assert response.status_code == 302
        session = StudySession.objects.get()
        assert session.lead_reader == world.leader_a.person and list(session.speakers.all()) == [world.member_a.person]
        assert client.get(reverse("meetings:group", args=[world.group_a.pk])).content.decode().count(session.title)

    def test_an_end_before_the_start_answers_400_in_chinese(self, world, as_user):
        start = timezone.now() + dt.timedelta(days=3)
        response = as_user(world.secretary_a).post(reverse("meetings:schedule", args=[world.group_a.pk]), {
            "title": "t", "topic_source": "plan", "form": "seminar", "starts_at": _dt(start),
            "ends_at": _dt(start - dt.timedelta(hours=1)), "place": "会议室"})
        assert response.status_code == 400
        assert "结束时间必须晚于开始时间" in response.content.decode()
        assert not StudySession.objects.exists()

    def test_the_outsider_gets_404_and_a_member_403(self, world, as_user):
        url = reverse("meetings:schedule", args=[world.group_a.pk])
        assert as_user(world.outsider).get(url).status_code == 404
        assert as_user(world.member_a).get(url).status_code == 403


class TestAttendancePage:
    def test_a_tap_saves_one_mark_and_returns_the_row(self, world, as_user):
        session = make_session(world)
        response = as_user(world.secretary_a).post(
            reverse("meetings:attendance", args=[session.pk]),
            {"group": world.group_a.pk, "person": world.member_a.person.pk, "status": "present"},
            HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "出席" in response.content.decode()
        assert Attendance.objects.get().status == "present"
        # With the row come the rate and the 全部出席 button, out of band: two of three are still unmarked.
        fragment = response.content.decode()
        assert f'id="all-{world.group_a.pk}" hx-swap-oob="true"' in fragment and "未登记的 2 人" in fragment
        page = as_user(world.secretary_a).get(reverse("meetings:attendance", args=[session.pk])).content.decode()
        assert page.count(f'id="all-{world.group_a.pk}"') == 1 and "hx-swap-oob" not in page

    @staticmethod
    def tap(world, as_user, session, person_pk):
        """The secretary taps 出席 for a person of group A on the phone page (htmx)."""
        return as_user(world.secretary_a).post(reverse("meetings:attendance", args=[session.pk]), {
            "group": world.group_a.pk, "person": person_pk, "status": "present"}, HTTP_HX_REQUEST="true")

    def test_a_mark_for_a_non_member_answers_400(self, world, as_user):
        from orgs import services as org_services

        session = make_session(world)
        colleague = org_services.person_create(unit=world.town_a, name="李干事", phone="", by=None)
        response = self.tap(world, as_user, session, colleague.pk)
        assert response.status_code == 400 and "李干事" in response.content.decode() and "不是" in response.content.decode()
        # Someone the secretary cannot see: the error must not reveal whose id it is.
        response = self.tap(world, as_user, session, world.secretary_b.person.pk)
        page = response.content.decode()
        assert response.status_code == 400 and "没有找到这个人员" in page and "孙秘书" not in page
        assert not Attendance.objects.exists()

    def test_the_refusal_fragment_escapes_the_name_it_quotes(self, world, as_user):
        from orgs import services as org_services

        session = make_session(world)
        odd = org_services.person_create(unit=world.town_a, name="<img src=x onerror=alert(1)>", phone="", by=None)
        response = self.tap(world, as_user, session, odd.pk)
        page = response.content.decode()
        assert response.status_code == 400 and "<img" not in page and "&lt;img src=x" in page

    def test_another_groups_secretary_cannot_mark(self, world, as_user):
        session = make_session(world, form="joint", joint_groups=[world.group_b])
        accept(world, session)
        response = as_user(world.secretary_b).post(
            reverse("meetings:attendance", args=[session.pk]),
            {"group": world.group_a.pk, "person": world.member_a.person.pk, "status": "absent"})
        assert response.status_code == 403
        response = as_user(world.secretary_b).post(
            reverse("meetings:attendance", args=[session.pk]),
            {"group": world.group_b.pk, "person": world.secretary_b.person.pk, "status": "present"})
        assert response.status_code == 302


class TestJointPartnerList:
    """The 联学 page's list of groups (written in Python, meetings_tags.partner_items): each reader gets the forms
    their role allows, each form posts to a route that does what its button says, and typed names are escaped."""

    @staticmethod
    def forms(page):
        """{data-testid of the button: the action its form posts to}."""
        import re

        out = {}
        for form in re.findall(r'<form method="post"[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page, re.S):
            for testid in re.findall(r'data-testid="(partner-[a-z]+)"', form[1]):
                out[testid] = form[0]
            assert 'name="csrfmiddlewaretoken"' in form[1]
        return out

    def test_before_it_starts_the_invited_decide_and_the_host_may_withdraw(self, world, as_user):
        world.group_b.name = '<b>乙</b>中心组"'
        world.group_b.save()
        session = next_week(world, form="joint", joint_groups=[world.group_b])
        url = reverse("meetings:detail", args=[session.pk])
        page = as_user(world.secretary_b).get(url).content.decode()
        forms = self.forms(page)
        assert forms["partner-accept"] == reverse("meetings:partner", args=[session.pk, world.group_b.pk, "accept"])
        assert 'formaction="' + reverse("meetings:partner", args=[session.pk, world.group_b.pk, "decline"]) in page
        assert "<b>乙</b>" not in page and "&lt;b&gt;乙&lt;/b&gt;中心组&quot;" in page
        host = as_user(world.secretary_a).get(url).content.decode()
        assert self.forms(host) == {
            "partner-remove": reverse("meetings:partner", args=[session.pk, world.group_b.pk, "remove"])}
        assert "撤回邀请" in host and "partner-accept" not in host
        # An invited group's members are not shown to the host: no sheet for it, only its name and head count.
        assert host.count('data-testid="attendance-table"') == 1 and "成员 " in host

        response = as_user(world.secretary_b).post(forms["partner-accept"], {"reason": ""})
        assert response.status_code == 302
        page = as_user(world.secretary_b).get(url).content.decode()
        leave = self.forms(page)["partner-leave"]
        host = as_user(world.secretary_a).get(url).content.decode()
        remove = self.forms(host)["partner-remove"]
        assert "确认将&lt;b&gt;乙&lt;/b&gt;中心组&quot;移出这次联学？" in host and host.count('data-testid="attendance-table"') == 2
        assert remove == reverse("meetings:partner", args=[session.pk, world.group_b.pk, "remove"])
        assert as_user(world.secretary_b).post(leave, {"reason": "与本组会议冲突"}).status_code == 302
        assert session.participations.get(group=world.group_b).state == "left"

    def test_once_it_has_started_the_host_records_why_a_sheet_is_missing(self, world, as_user):
        session = make_session(world, form="joint", joint_groups=[world.group_b])
        accept(world, session)
        mark_all(world, session)
        url = reverse("meetings:detail", args=[session.pk])
        host = as_user(world.secretary_a).get(url).content.decode()
        forms = self.forms(host)
        assert list(forms) == ["partner-missing"] and "还有 " in host and "人未登记" in host
        response = as_user(world.secretary_a).post(forms["partner-missing"], {"reason": "<i>分会场</i>网络中断"})
        assert response.status_code == 302
        host = as_user(world.secretary_a).get(url).content.decode()
        assert "未登记考勤：&lt;i&gt;分会场&lt;/i&gt;网络中断" in host and "partner-missing" not in host
        assert 'data-testid="rate">100.0%</b>' in host


    def test_an_archived_joint_session_counts_each_groups_members_as_archived(self, world, as_user):
        session = make_session(world, form="joint", joint_groups=[world.group_b],
                               start=timezone.now() - dt.timedelta(days=1))
        accept(world, session)
        mark_all(world, session)
        mark_all(world, session, group=world.group_b)
        services.record_save(session=session, by=world.secretary_a, summary="联学小结")
        services.session_archive(session=session, by=world.secretary_a)
        page = as_user(world.secretary_a).get(reverse("meetings:detail", args=[session.pk])).content.decode()
        # Group A: 组长, 学习秘书, 成员; group B: its 学习秘书 (as frozen at the archive, like the sheets below).
        assert "成员 3 人" in page and "成员 1 人" in page and "成员 0 人" not in page

class TestCheckinPages:
    def test_a_member_checks_in_by_opening_the_link(self, world, as_user):
        session = make_session(world)
        client = as_user(world.member_a)
        token = services.checkin_token(session)
        url = reverse("meetings:checkin", args=[session.pk])
        assert "确认签到" in client.get(url, {"t": token}).content.decode()
        response = client.post(url, {"t": token})
        assert response.status_code == 200 and "签到成功" in response.content.decode()
        response = client.post(url, {"t": token})
        assert "无需重复签到" in response.content.decode()
        assert Attendance.objects.filter(session=session).count() == 1

    def test_present_at_an_overlapping_session_the_scan_is_refused_by_name(self, world, as_user):
        other = make_session(world, title="另一场专题学习", start=timezone.now() - dt.timedelta(minutes=20))
        services.attendance_record(session=other, group=world.group_a, person=world.member_a.person,
                                   status="present", by=world.secretary_a)
        session = make_session(world)
        response = as_user(world.member_a).post(reverse("meetings:checkin", args=[session.pk]),
                                                {"t": services.checkin_token(session)})
        page = response.content.decode()
        assert response.status_code == 400 and "时间重叠" in page and "另一场专题学习" in page
        assert not Attendance.objects.filter(session=session).exists()

    def test_a_former_or_future_member_gets_no_check_in_page_of_another_day(self, world, as_user):
        # The page names the session: only who may see it gets it (404 as for any session one may not see).
        from orgs.models import Membership

        past = make_session(world, start=timezone.now() - dt.timedelta(days=10))
        mine = Membership.objects.get(group=world.group_a, person=world.member_a.person, end__isnull=True)
        Membership.objects.filter(pk=mine.pk).update(start=past.day - dt.timedelta(days=30),
                                                     end=timezone.localdate() - dt.timedelta(days=5))
        url = reverse("meetings:checkin", args=[past.pk])
        assert as_user(world.member_a).get(url, {"t": services.checkin_token(past)}).status_code == 404
        coming = next_week(world)
        Membership.objects.create(group=world.group_a, person=world.secretary_b.person, role="member",
                                  start=timezone.localdate() + dt.timedelta(days=3))
        url = reverse("meetings:checkin", args=[coming.pk])
        assert as_user(world.secretary_b).get(url, {"t": services.checkin_token(coming)}).status_code == 404

    def test_an_administrator_linked_to_a_member_does_not_check_in(self, world, as_user):
        # 三员分立: the three administrators hold no study role, whatever person their account is linked to.
        from accounts.models import User
        from orgs import services as org

        someone = org.person_create(unit=world.town_a, name="管理员本人", phone="", by=None)
        org.membership_add(group=world.group_a, person=someone, role="member", start=timezone.localdate(), by=None)
        User.objects.filter(pk=world.secadmin.pk).update(person=someone)
        world.secadmin.refresh_from_db()
        session = make_session(world)
        response = as_user(world.secadmin).post(reverse("meetings:checkin", args=[session.pk]),
                                                {"t": services.checkin_token(session)})
        assert response.status_code in (403, 404)
        assert not Attendance.objects.filter(session=session).exists()

    def test_a_database_too_busy_to_write_asks_to_scan_again(self, world, as_user, monkeypatch):
        from django.db import OperationalError

        def busy(**kwargs):
            raise OperationalError("database is locked")

        session = make_session(world)
        monkeypatch.setattr(services, "checkin", busy)
        response = as_user(world.member_a).post(reverse("meetings:checkin", args=[session.pk]),
                                                {"t": services.checkin_token(session)})
        assert response.status_code == 503 and "请稍后再扫一次" in response.content.decode()
        assert response["Retry-After"] == "2"
        assert not Attendance.objects.exists()

    def test_an_expired_token_answers_400(self, world, as_user):
        session = make_session(world)
        token = services.checkin_token(session, now=timezone.now() - dt.timedelta(minutes=2))
        response = as_user(world.member_a).post(reverse("meetings:checkin", args=[session.pk]), {"t": token})
        assert response.status_code == 400 and "已过期" in response.content.decode()
        assert not Attendance.objects.exists()

    def test_the_projector_fragment_holds_an_svg_code(self, world, as_user):
        session = make_session(world)
        response = as_user(world.secretary_a).get(reverse("meetings:qr", args=[session.pk]))
        assert "<svg" in response.content.decode()


class TestRecordsAndArchive:
    def test_archive_refuses_until_five_are_recorded_then_locks(self, world, as_user):
        session = make_session(world)
        client = as_user(world.secretary_a)
        url = reverse("meetings:archive", args=[session.pk])
        response = client.post(url, {"archive_confirmed": "1"})
        assert response.status_code == 400 and "五落实尚未完成" in response.content.decode()
        mark_all(world, session)
        response = client.post(reverse("meetings:record", args=[session.pk]),
                               {"minutes": "纪要", "summary": "小结", "briefing": "", "version": session.version})
        assert response.status_code == 302
        assert client.post(url, {"archive_confirmed": "1"}).status_code == 302
        session.refresh_from_db()
        assert session.is_archived
        response = client.post(reverse("meetings:record", args=[session.pk]),
                               {"minutes": "改", "summary": "改", "briefing": "", "version": session.version})
        assert response.status_code == 400 and "已归档" in response.content.decode()
        response = client.post(reverse("meetings:correct", args=[session.pk]),
                               {"field": "summary", "new_value": "更正后的小结", "reason": "原小结漏记研讨要点"})
        assert response.status_code == 302
        page = client.get(reverse("meetings:detail", args=[session.pk])).content.decode()
        assert "更正后的小结" in page and "原小结漏记研讨要点" in page and "小结" in page
        assert Correction.objects.count() == 1

    def test_a_10mb_photo_of_the_wrong_type_is_refused(self, world, as_user):
        session = make_session(world)
        upload = SimpleUploadedFile("photo.bmp", b"BM" + b"0" * (10 * 1024 * 1024), "image/bmp")
        response = as_user(world.secretary_a).post(reverse("meetings:attach", args=[session.pk]),
                                                   {"kind": "photo", "file": upload})
        assert response.status_code == 400 and "文件过大" in response.content.decode()
        assert not session.attachments.exists()

    def test_the_leader_draws_and_the_secretary_may_not(self, world, as_user):
        session = make_session(world)
        mark_all(world, session)
        url = reverse("meetings:draw", args=[session.pk])
        assert as_user(world.secretary_a).post(url, {"favour": "1"}).status_code == 403
        assert as_user(world.leader_a).post(url, {"favour": "1"}).status_code == 302
        assert CallOnDraw.objects.count() == 1

    def test_leave_after_the_start_answers_400(self, world, as_user):
        session = make_session(world)
        response = as_user(world.member_a).post(reverse("meetings:leave", args=[session.pk]), {"reason": "有事"})
        assert response.status_code == 400 and "已经开始" in response.content.decode()


class TestExports:
    def test_the_record_is_a_real_docx_with_east_asian_fonts(self, world, as_user):
        from docx import Document

        session = make_session(world)
        mark_all(world, session)
        response = as_user(world.supervisor_a).get(reverse("meetings:export_docx", args=[session.pk]))
        assert response.status_code == 200
        doc = Document(io.BytesIO(response.content))
        text = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
        assert session.title in text and "应到 3 人，实到 3 人" in text
        assert 'w:eastAsia="仿宋_GB2312"' in doc.element.xml

    def test_the_record_of_an_archived_session_reads_its_latest_corrections(self, world, as_user):
        from docx import Document

        session = make_session(world)
        mark_all(world, session)
        services.record_save(session=session, by=world.secretary_a, minutes="会议纪要……", summary="学习小结……")
        session = services.session_archive(session=session, by=world.secretary_a)
        for value in ("更正后的纪要", "再次更正的纪要"):
            services.correction_add(session=session, field="minutes", new_value=value, reason="纪要记录有误",
                                    by=world.secretary_a)
        response = as_user(world.secretary_a).get(reverse("meetings:export_docx", args=[session.pk]))
        rows = {r.cells[0].text: r.cells[1].text for t in Document(io.BytesIO(response.content)).tables for r in t.rows}
        assert rows["会议纪要"] == "再次更正的纪要" and rows["学习地点"] == "三楼会议室"

    def test_attendance_sheet_is_excel(self, world, as_user):
        from openpyxl import load_workbook

        session = make_session(world)
        mark_all(world, session)
        response = as_user(world.secretary_a).get(reverse("meetings:export_xlsx", args=[session.pk]))
        ws = load_workbook(io.BytesIO(response.content)).active
        assert ws.cell(1, 2).value == "姓名" and ws.max_row == 5
        assert ws.cell(2, 5).value == "秘书登记"  # 方式

    def test_the_calendar_feed_lists_my_sessions_and_refuses_a_forged_token(self, world, client):
        from icalendar import Calendar

        session = next_week(world)
        response = client.get(reverse("meetings:ics", args=[feed_token(world.member_a)]))
        cal = Calendar.from_ical(response.content)
        assert [str(e["summary"]) for e in cal.walk("VEVENT")] == [f"集体研讨：{session.title}"]
        assert client.get(reverse("meetings:ics", args=[feed_token(world.member_a) + "x"])).status_code == 404
        assert client.get(reverse("meetings:ics", args=[feed_token(world.secretary_b)])).content.count(
            b"VEVENT") == 0


class TestOverview:
    def test_supervisor_sees_only_their_subtree(self, world, as_user):
        make_session(world, start=timezone.now() - dt.timedelta(days=1))
        page = as_user(world.supervisor_b).get(reverse("meetings:overview")).content.decode()
        assert world.group_b.name in page and world.group_a.name not in page
        page = as_user(world.city_supervisor).get(reverse("meetings:overview")).content.decode()
        assert world.group_a.name in page and world.group_b.name in page
