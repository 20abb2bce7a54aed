"""Issue 8: records that hold together — sessions tied to the plan by identity, archived records that stay as
archived, attendance that cannot contradict itself, 联学 partners that accept before the host sees them."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.xlsx import write_workbook
from meetings import selectors, services
from meetings.models import Attendance, Leave, Notice, Participation, StudySession
from orgs import importing
from orgs.models import StudyGroup
from plans import services as plan_services
from plans.tests.factories import approved_plan, topic

from .factories import accept, make_session, mark_all


def _ago(**kw):
    return timezone.now() - dt.timedelta(**kw)


# ---- Plan → session --------------------------------------------------------------------------------------

class TestPlanTopicIdentity:
    def test_a_revision_keeps_what_was_studied(self, world):
        plan = approved_plan(world, topics=[topic("学习党的创新理论", month=1), topic("学习习近平文化思想", month=2)])
        first = plan.topics.get(title="学习党的创新理论")
        session = make_session(world, title=first.title, plan_topic=first, start=_ago(days=5))
        groups = StudyGroup.objects.filter(pk=world.group_a.pk)
        assert selectors.plan_progress(groups, year=plan.year)[world.group_a.pk].done == 1
        v2 = plan_services.plan_revise(plan=plan, reason="增加专题", by=world.secretary_a)
        rows = [{**topic(t.title, month=t.month), "line": t.line} for t in v2.topics.all()]
        v2 = plan_services.plan_save(plan=v2, topics=rows + [topic("新增专题", month=12)], by=world.secretary_a)
        v2 = plan_services.plan_approve(plan=plan_services.plan_submit(plan=v2, by=world.secretary_a),
                                        by=world.leader_a)
        copy = v2.topics.get(title="学习党的创新理论")
        assert copy.pk != first.pk and copy.line == first.line
        progress = selectors.plan_progress(groups, year=plan.year)[world.group_a.pk]
        assert (progress.total, progress.done) == (3, 1)
        assert [s.session_id for s in selectors.topic_progress(v2)[copy.line]] == [session.pk]

    def test_editing_a_draft_by_the_form_keeps_each_topics_line(self, world):
        plan = approved_plan(world, topics=[topic("甲专题"), topic("乙专题")])
        v2 = plan_services.plan_revise(plan=plan, reason="调整顺序", by=world.secretary_a)
        lines = {t.title: t.line for t in v2.topics.all()}
        # Reordered and one renamed, lines posted back by the form's hidden field.
        v2 = plan_services.plan_save(plan=v2, by=world.secretary_a, topics=[
            {**topic("乙专题（调整）"), "line": lines["乙专题"]}, {**topic("甲专题"), "line": None}])
        now = {t.title: t.line for t in v2.topics.all()}
        assert now == {"乙专题（调整）": lines["乙专题"], "甲专题": lines["甲专题"]}

    def test_a_topic_of_another_groups_plan_is_refused_in_chinese(self, world, as_user):
        from plans.models import StudyPlan, Topic

        other = StudyPlan.objects.create(group=world.group_b, year=world.today.year, status="approved", title="湖滨计划")
        foreign = Topic.objects.create(plan=other, title="东湖的专题")
        before = StudySession.objects.count()
        with pytest.raises(ValidationError) as exc:
            make_session(world, plan_topic=foreign)
        assert "属于" in str(exc.value) and "东湖" in str(exc.value)
        start = timezone.localtime() + dt.timedelta(days=3)
        response = as_user(world.secretary_a).post(reverse("meetings:schedule", args=[world.group_a.pk]), {
            "title": "借用", "topic_source": "plan", "plan_topic": foreign.pk, "form": "seminar", "place": "会议室",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
        assert response.status_code == 400 and "属于" in response.content.decode()
        assert StudySession.objects.count() == before

    def test_a_draft_plans_topic_cannot_be_scheduled(self, world):
        plan = plan_services.plan_create(group=world.group_a, year=world.today.year, by=world.secretary_a)
        plan = plan_services.plan_save(plan=plan, topics=[topic("草稿专题")], by=world.secretary_a)
        with pytest.raises(ValidationError, match="尚未审定"):
            make_session(world, plan_topic=plan.topics.get())

    def test_schedule_from_a_plan_topic_opens_a_prefilled_form(self, world, as_user):
        from materials.models import Material

        material = Material.objects.create(owner_unit=world.city, title="在全会上的讲话",
                                           published_on=dt.date(world.today.year, 1, 5))
        plan = approved_plan(world, topics=[topic("学习全会精神", lead="赵书记", materials="《在全会上的讲话》；自选篇目")])
        t = plan.topics.get()
        assert list(t.library_materials.all()) == [material]  # the exact title in the text became a link
        client = as_user(world.secretary_a)
        page = client.get(reverse("plans:plan", args=[plan.pk])).content.decode()
        url = reverse("meetings:schedule", args=[world.group_a.pk]) + f"?plan_topic={t.pk}"
        assert url.replace("&", "&amp;") in page and "尚未安排" in page
        form = client.get(url).content.decode()
        assert 'value="学习全会精神"' in form and f'name="plan_topic" value="{t.pk}"' in form
        assert f'value="{material.pk}"' in form and "checked" in form
        assert f'<option value="{world.leader_a.person.pk}" selected>' in form

    def test_the_plan_page_and_the_supervisors_column_count_the_same_sessions(self, world, as_user):
        plan = approved_plan(world, topics=[topic("学习党的创新理论", month=1), topic("其他", month=1)])
        t = plan.topics.get(title="学习党的创新理论")
        held = make_session(world, title=t.title, plan_topic=t, start=_ago(days=9))
        make_session(world, title="再学一次", plan_topic=t, start=timezone.now() + dt.timedelta(days=9))
        page = as_user(world.secretary_a).get(reverse("plans:plan", args=[plan.pk])).content.decode()
        assert "已学习" in page and "已安排" in page and reverse("meetings:detail", args=[held.pk]) in page
        by_page = sum(1 for t in plan.topics.all() if any(s.held for s in selectors.topic_progress(plan).get(t.line, [])))
        groups = StudyGroup.objects.filter(pk=world.group_a.pk)
        assert selectors.plan_progress(groups, year=plan.year)[world.group_a.pk].done == by_page == 1


# ---- Archive freezes --------------------------------------------------------------------------------------

def _docx_text(content):
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read("word/document.xml").decode(), z.read("word/footer1.xml").decode() if "word/footer1.xml" in \
            z.namelist() else ""


def _xlsx_rows(content):
    return [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


class TestArchiveFreezes:
    def test_a_member_imported_after_archive_changes_nothing_on_the_page_the_xlsx_or_the_docx(self, world, as_user):
        session = make_session(world, start=_ago(days=3))
        mark_all(world, session)
        services.attendance_record(session=session, group=world.group_a, person=world.member_a.person,
                                   status="absent", by=world.secretary_a)
        services.record_save(session=session, by=world.secretary_a, minutes="会议纪要……", summary="小结")
        services.session_archive(session=session, by=world.secretary_a)
        client = as_user(world.secretary_a)
        urls = [reverse(n, args=[session.pk]) for n in ("meetings:detail", "meetings:export_xlsx",
                                                          "meetings:export_docx")]

        def read():
            page = client.get(urls[0]).content.decode()
            rate = page[page.index('data-testid="rate"'):][:40]
            return rate, _xlsx_rows(client.get(urls[1]).content), _docx_text(client.get(urls[2]).content)[0]

        before = read()
        # A member whose join date is before the session, brought in by the Excel import.
        data = write_workbook("成员名单", importing.MEMBER_HEADERS,
                              [["新成员", "男", "", "委员", "", "", "成员", (session.day - dt.timedelta(days=30)).isoformat()]])
        rows, errors = importing.check_members(group=world.group_a, data=data, user=world.secretary_a)
        assert not errors
        batch = importing.stage(kind="members", user=world.secretary_a, filename="m.xlsx", data=data,
                                target=world.group_a,
                                check=lambda d: importing.check_members(group=world.group_a, data=d,
                                                                        user=world.secretary_a))
        assert importing.apply_members(batch=batch, group=world.group_a, by=world.secretary_a) == 1
        world.leader_a.person.name = "赵书记（改名）"
        world.leader_a.person.save()
        after = read()
        assert after == before and "新成员" not in after[2] and "66.7%" in before[0]
        assert selectors.attendance_rate(StudySession.objects.get(pk=session.pk), world.group_a).expected == 3
        from stats.services import recount

        figures, _ = recount([world.group_a.pk], session.day.year)
        year_row = figures[(world.group_a.pk, "Y")]
        assert (year_row["attended"], year_row["expected"]) == (2, 3)

    def test_only_a_correction_with_a_reason_changes_an_archived_record(self, world):
        session = make_session(world, start=_ago(days=3))
        mark_all(world, session)
        services.record_save(session=session, by=world.secretary_a, minutes="纪要")
        services.session_archive(session=session, by=world.secretary_a)
        field = f"attendance:{world.group_a.pk}-{world.member_a.person.pk}"
        with pytest.raises(ValidationError, match="更正理由"):
            services.correction_add(session=session, field=field, new_value="absent", reason="", by=world.secretary_a)
        services.correction_add(session=session, field=field, new_value="absent", reason="登记有误，实际缺席",
                                by=world.secretary_a)
        sheet = selectors.session_attendance(StudySession.objects.get(pk=session.pk))[0]
        line = next(x for x in sheet.lines if x.person_id == world.member_a.person.pk)
        assert (line.status_label, line.corrected, sheet.rate.attended) == ("出席", "缺席", 2)

    def test_the_docx_numbers_records_per_group_and_year_and_has_page_numbers(self, world, as_user):
        numbers = []
        for days in (20, 10):
            s = make_session(world, start=_ago(days=days))
            mark_all(world, s)
            services.record_save(session=s, by=world.secretary_a, minutes="纪要")
            numbers.append(services.session_archive(session=s, by=world.secretary_a).record_no)
        assert numbers == [1, 2]
        body, footer = _docx_text(as_user(world.secretary_a).get(reverse("meetings:export_docx", args=[s.pk])).content)
        assert f"〔{s.day.year}〕第2次" in body and "PAGE" in footer

    def test_the_archive_button_is_confirmed_by_data_confirm_and_no_input_named_confirm(self, world, as_user):
        session = make_session(world)
        page = as_user(world.secretary_a).get(reverse("meetings:detail", args=[session.pk])).content.decode()
        form = page[page.index(reverse("meetings:archive", args=[session.pk])):][:400]
        assert 'data-confirm="' in form and 'name="confirm"' not in page and "onsubmit" not in page


# ---- Attendance consistency ----------------------------------------------------------------------------

class TestAttendanceConsistency:
    def _approved_leave(self, world, session):
        leave = services.leave_request(session=session, person=world.member_a.person, reason="出差",
                                       by=world.member_a, now=session.starts_at - dt.timedelta(hours=2))
        return services.leave_decide(leave=leave, approve=True, by=world.leader_a)

    def test_marking_present_asks_to_withdraw_an_approved_leave(self, world):
        session = make_session(world)
        leave = self._approved_leave(world, session)
        with pytest.raises(services.LeaveClash, match="请假.*已经批准"):
            services.attendance_record(session=session, group=world.group_a, person=world.member_a.person,
                                       status="present", by=world.secretary_a)
        assert Attendance.objects.get(session=session, person=world.member_a.person).status == "leave"
        services.attendance_record(session=session, group=world.group_a, person=world.member_a.person,
                                   status="present", by=world.secretary_a, withdraw_leave=True)
        leave.refresh_from_db()
        assert leave.status == "withdrawn" and Attendance.objects.get(
            session=session, person=world.member_a.person).status == "present"

    def test_the_phone_page_offers_to_withdraw_the_leave_with_a_confirmation(self, world, as_user):
        session = make_session(world)
        self._approved_leave(world, session)
        url = reverse("meetings:attendance", args=[session.pk])
        client = as_user(world.secretary_a)
        data = {"group": world.group_a.pk, "person": world.member_a.person.pk, "status": "present"}
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        page = response.content.decode()
        assert response.status_code == 400 and 'data-testid="withdraw-leave"' in page and "data-confirm=" in page
        response = client.post(url, {**data, "withdraw_leave": "1"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and 'hx-swap-oob="true"' in response.content.decode()
        assert Leave.objects.get(session=session).status == "withdrawn"

    def test_approving_leave_for_someone_already_present_is_refused(self, world):
        session = make_session(world, start=timezone.now() + dt.timedelta(hours=1))
        leave = services.leave_request(session=session, person=world.member_a.person, reason="出差", by=world.member_a)
        Attendance.objects.create(session=session, group=world.group_a, person=world.member_a.person,
                                  status="present")
        with pytest.raises(ValidationError, match="已登记出席"):
            services.leave_decide(leave=leave, approve=True, by=world.leader_a)

    def test_present_at_two_overlapping_sessions_is_refused_with_both_named(self, world, local_time):
        local_time(10)  # the later session below must fall on the same day
        first = make_session(world, title="第一场学习")
        second = make_session(world, title="第二场学习", start=first.starts_at + dt.timedelta(minutes=30))
        services.attendance_record(session=first, group=world.group_a, person=world.member_a.person,
                                   status="present", by=world.secretary_a)
        with pytest.raises(ValidationError) as exc:
            services.attendance_record(session=second, group=world.group_a, person=world.member_a.person,
                                       status="present", by=world.secretary_a)
        assert "第一场学习" in str(exc.value) and "第二场学习" in str(exc.value)
        assert not Attendance.objects.filter(session=second).exists()
        # Absent from the second is no clash; a session later the same day is none either.
        services.attendance_record(session=second, group=world.group_a, person=world.member_a.person,
                                   status="absent", by=world.secretary_a)
        later = make_session(world, title="下午学习", start=first.ends_at + dt.timedelta(minutes=5))
        services.attendance_record(session=later, group=world.group_a, person=world.member_a.person,
                                   status="present", by=world.secretary_a)

    def test_all_present_then_exceptions_and_the_refusal_said_once(self, world, as_user):
        session = make_session(world, outside_speaker="某教授")
        client = as_user(world.secretary_a)
        page = client.get(reverse("meetings:attendance", args=[session.pk])).content.decode()
        assert page.count("政治把关") == 1 and 'data-testid="blocked"' in page
        services.session_approve_speaker(session=session, by=world.secretary_a, note="区委宣传部审核")
        response = client.post(reverse("meetings:attendance", args=[session.pk]),
                               {"group": world.group_a.pk, "all_present": "1"})
        assert response.status_code == 302
        assert selectors.attendance_rate(session, world.group_a).percent == 100.0


# ---- 联学 ---------------------------------------------------------------------------------------------------

class TestJointInvitations:
    def test_until_accepted_the_host_sees_only_names_and_counts_and_no_one_is_told(self, world, as_user):
        session = make_session(world, form="joint", joint_groups=[world.group_b],
                               start=timezone.now() + dt.timedelta(days=2))
        secretary_b = world.secretary_b.person
        assert not Notice.objects.filter(person=world.observer.person).exists()
        told = set(Notice.objects.filter(session=session).values_list("person_id", flat=True))
        assert secretary_b.pk in told  # the group's secretary is asked…
        api = as_user(world.secretary_a).get(f"/api/sessions/{session.pk}/attendance/").json()
        partner = next(g for g in api if g["group_id"] == world.group_b.pk)
        assert partner["lines"] == [] and "孙秘书" not in str(api)
        page = as_user(world.secretary_a).get(reverse("meetings:detail", args=[session.pk])).content.decode()
        assert "孙秘书" not in page and "待确认" in page and "成员 1 人" in page
        accept(world, session)
        api = as_user(world.secretary_a).get(f"/api/sessions/{session.pk}/attendance/").json()
        assert "孙秘书" in str(api)

    def test_only_the_invited_groups_leader_or_secretary_answers(self, world, as_user):
        session = make_session(world, form="joint", joint_groups=[world.group_b],
                               start=timezone.now() + dt.timedelta(days=2))
        url = reverse("meetings:partner", args=[session.pk, world.group_b.pk, "accept"])
        assert as_user(world.secretary_a).post(url).status_code in (403, 404)
        assert as_user(world.outsider).post(url).status_code == 404
        assert Participation.objects.get(session=session, group=world.group_b).state == "invited"
        assert as_user(world.secretary_b).post(url).status_code == 302
        assert Participation.objects.get(session=session, group=world.group_b).state == "accepted"

    def test_a_partner_leaves_before_the_session_and_the_host_can_remove_one(self, world):
        session = make_session(world, form="joint", joint_groups=[world.group_b],
                               start=timezone.now() + dt.timedelta(days=2))
        accept(world, session)
        services.partner_withdraw(session=session, group=world.group_b, by=world.secretary_b, reason="另有安排")
        assert Participation.objects.get(session=session, group=world.group_b).state == "left"
        with pytest.raises(ValidationError, match="不在这次联学中"):
            services.partner_withdraw(session=session, group=world.group_b, by=world.secretary_a, reason="移出",
                                      remove=True)

    def test_archive_needs_each_groups_lines_or_a_recorded_reason(self, world):
        session = make_session(world, form="joint", joint_groups=[world.group_b], start=_ago(days=1))
        accept(world, session)
        mark_all(world, session)
        services.record_save(session=session, by=world.secretary_a, minutes="纪要")
        with pytest.raises(ValidationError, match="人员"):
            services.session_archive(session=session, by=world.secretary_a)
        with pytest.raises(ValidationError, match="原因"):
            services.partner_missing_reason(session=session, group=world.group_b, reason="", by=world.secretary_a)
        services.partner_missing_reason(session=session, group=world.group_b, reason="分会场签到表未交回",
                                        by=world.secretary_a)
        archived = services.session_archive(session=session, by=world.secretary_a)
        sheets = selectors.session_attendance(archived)
        assert [g.missing_reason for g in sheets] == ["", "分会场签到表未交回"]


class TestFreezeArchivedBeforeTheRecordsWork:
    def test_a_session_archived_without_a_frozen_copy_is_frozen_as_it_reads_and_then_stays(self, world, as_user):
        from django.core.management import call_command

        from core.audit import AuditEntry

        session = make_session(world, start=_ago(days=3))
        mark_all(world, session)
        services.attendance_record(session=session, group=world.group_a, person=world.member_a.person,
                                   status="absent", by=world.secretary_a)
        services.record_save(session=session, by=world.secretary_a, minutes="会议纪要……", summary="小结")
        services.session_archive(session=session, by=world.secretary_a)
        StudySession.objects.filter(pk=session.pk).update(frozen=None)  # archived before 归档 froze records
        Participation.objects.filter(session=session).update(counts_stamp="")
        out = io.StringIO()
        call_command("meetings_freeze_archived", stdout=out)
        assert "已为 1 次" in out.getvalue()
        frozen = StudySession.objects.get(pk=session.pk).frozen
        assert frozen["backfilled"] and {ln["name"] for ln in frozen["groups"][0]["lines"]} >= {"钱委员", "赵书记"}
        assert AuditEntry.objects.filter(action="session.freeze_backfill", object_id=str(session.pk)).count() == 1
        page = as_user(world.secretary_a).get(reverse("meetings:detail", args=[session.pk])).content.decode()
        before = page[page.index('data-testid="rate"'):][:40]
        world.leader_a.person.name = "赵书记（改名）"
        world.leader_a.person.save()
        page = as_user(world.secretary_a).get(reverse("meetings:detail", args=[session.pk])).content.decode()
        assert page[page.index('data-testid="rate"'):][:40] == before and "赵书记（改名）" not in page
        call_command("meetings_freeze_archived", stdout=out)  # again: nothing left to freeze
        assert "已为 0 次" in out.getvalue()
        assert StudySession.objects.get(pk=session.pk).frozen == frozen

    def test_the_migration_freezes_what_is_left(self, world):
        import importlib

        from django.apps import apps as global_apps

        session = make_session(world, start=_ago(days=3))
        mark_all(world, session)
        services.record_save(session=session, by=world.secretary_a, minutes="会议纪要……", summary="小结")
        services.session_archive(session=session, by=world.secretary_a)
        StudySession.objects.filter(pk=session.pk).update(frozen=None)
        migration = importlib.import_module("meetings.migrations.0006_freeze_archived_sessions")
        migration.forwards(global_apps, None)
        assert StudySession.objects.get(pk=session.pk).frozen["backfilled"]
