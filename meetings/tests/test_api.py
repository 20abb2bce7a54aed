"""The sessions API: the pages' rules for reading, the secretary's service for marking attendance."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEntry
from meetings import services
from meetings.models import Attendance

from .factories import accept, make_session, mark_all, next_week

pytestmark = pytest.mark.django_db


def mark(client, session, **data):
    return client.post(f"/api/sessions/{session.pk}/attendance/", data, content_type="application/json")


def archived_session(world):
    s = make_session(world, start=timezone.now() - dt.timedelta(days=1))
    mark_all(world, s)
    services.record_save(session=s, by=world.secretary_a, summary="小结")
    return services.session_archive(session=s, by=world.secretary_a)


class TestReading:
    def test_a_sibling_countys_supervisor_gets_404(self, world, as_user):
        session = make_session(world)
        client = as_user(world.supervisor_b)
        assert client.get(f"/api/sessions/{session.pk}/").status_code == 404
        assert client.get(f"/api/sessions/{session.pk}/attendance/").status_code == 404
        assert mark(client, session, person=world.member_a.person.pk, status="present").status_code == 404
        assert not Attendance.objects.exists()

    def test_the_detail_shows_the_five_checks_and_an_attendance_summary(self, world, as_user):
        session = make_session(world)
        services.attendance_record(session=session, group=world.group_a, person=world.member_a.person,
                                   status="present", by=world.secretary_a)
        body = as_user(world.supervisor_a).get(f"/api/sessions/{session.pk}/").json()
        assert [c["label"] for c in body["five"]] == ["时间", "地点", "人员", "内容", "效果"]
        people = next(c for c in body["five"] if c["label"] == "人员")
        assert people == {"label": "人员", "ok": False, "detail": "还有 2 人未登记考勤"}
        assert body["five_complete"] is False
        (summary,) = body["attendance_summary"]
        assert summary["group_id"] == world.group_a.pk and summary["is_host"] is True
        assert summary["counts"]["present"] == 1 and summary["counts"]["unmarked"] == 2
        assert summary["rate"] == {"attended": 1, "expected": 3, "percent": 33.3}

    def test_every_reader_sees_each_members_status(self, world, as_user):
        session = make_session(world)
        services.attendance_record(session=session, group=world.group_a, person=world.member_a.person,
                                   status="late", by=world.secretary_a)
        (sheet,) = as_user(world.city_supervisor).get(f"/api/sessions/{session.pk}/attendance/").json()
        lines = {line["name"]: (line["status"], line["status_label"]) for line in sheet["lines"]}
        assert lines == {"赵书记": ("", "未登记"), "秦秘书": ("", "未登记"), "钱委员": ("late", "迟到")}

    def test_the_list_shows_only_visible_sessions_and_filters(self, world, as_user):
        year = world.today.year

        def at(y, month, day):
            return timezone.make_aware(dt.datetime(y, month, day, 9))

        a_now = make_session(world, start=at(year, 3, 10))
        a_last_year = make_session(world, start=at(year - 1, 6, 15))
        b_now = make_session(world, start=at(year, 3, 10), group=world.group_b, by=world.secretary_b)

        def ids(user, query=""):
            return {s["id"] for s in as_user(user).get(f"/api/sessions/{query}").json()["results"]}

        assert ids(world.supervisor_a) == {a_now.pk, a_last_year.pk}
        assert ids(world.observer) == {b_now.pk}
        assert ids(world.city_supervisor, f"?group={world.group_b.pk}") == {b_now.pk}
        assert ids(world.city_supervisor, f"?year={year - 1}") == {a_last_year.pk}
        assert ids(world.supervisor_a, "?month=3") == {a_now.pk}
        assert ids(world.city_supervisor, f"?year={year}&month=3") == {a_now.pk, b_now.pk}
        assert ids(world.city_supervisor, f"?year={year}&month=6") == set()
        assert ids(world.supervisor_a, f"?group={world.group_b.pk}") == set()
        assert ids(world.secadmin) == set()
        assert as_user(world.secretary_a).get("/api/sessions/?month=13").status_code == 400

    def test_the_list_costs_the_same_number_of_queries_for_more_sessions(self, world, as_user):
        client = as_user(world.city_supervisor)
        make_session(world)
        with CaptureQueriesContext(connection) as one:
            client.get("/api/sessions/")
        for days in (1, 2):
            make_session(world, start=timezone.now() - dt.timedelta(days=days))
        make_session(world, group=world.group_b, by=world.secretary_b)
        with CaptureQueriesContext(connection) as four:
            assert client.get("/api/sessions/").json()["count"] == 4
        assert len(four) == len(one)


class TestMarkingAttendance:
    def test_a_post_writes_one_row_through_the_service_and_a_repeat_changes_nothing(self, world, as_user):
        session = make_session(world)
        client = as_user(world.secretary_a)
        first = mark(client, session, person=world.member_a.person.pk, status="present")
        assert first.status_code == 200
        assert first.json()["status_label"] == "出席" and first.json()["group"] == world.group_a.pk
        row = Attendance.objects.get()
        assert (row.person, row.status, row.recorded_by, row.source) == (
            world.member_a.person, "present", world.secretary_a, "secretary")
        assert AuditEntry.objects.filter(action="attendance.record").count() == 1
        second = mark(client, session, person=world.member_a.person.pk, status="present")
        assert second.status_code == 200 and second.json() == first.json()
        assert Attendance.objects.count() == 1
        assert AuditEntry.objects.filter(action="attendance.record").count() == 1

    def test_a_post_on_an_archived_session_is_a_chinese_400(self, world, as_user):
        session = archived_session(world)
        before = list(Attendance.objects.values_list("person_id", "status"))
        response = mark(as_user(world.secretary_a), session, person=world.member_a.person.pk, status="absent")
        assert response.status_code == 400
        assert "这次学习已归档，不能直接修改" in str(response.json())
        assert list(Attendance.objects.values_list("person_id", "status")) == before

    def test_the_services_other_refusals_are_chinese_400s(self, world, as_user):
        client = as_user(world.secretary_a)
        session = make_session(world)
        response = mark(client, session, person=world.secretary_b.person.pk, status="present")
        # Someone this secretary cannot see: no name in the answer.
        assert response.status_code == 400 and response.json() == {"person": ["没有找到这个人员"]}
        response = mark(client, next_week(world), person=world.member_a.person.pk, status="present")
        assert response.status_code == 400 and "学习尚未举行" in str(response.json())
        response = mark(client, session, person=world.member_a.person.pk, status="attendee")
        assert response.status_code == 400 and "不能登记为“列席”" in str(response.json())
        assert not Attendance.objects.exists()

    def test_a_reader_without_a_managing_role_gets_403(self, world, as_user):
        session = make_session(world)
        for persona in (world.member_a, world.supervisor_a, world.city_supervisor):
            response = mark(as_user(persona), session, person=world.member_a.person.pk, status="present")
            assert response.status_code == 403, persona.username
        response = mark(as_user(world.secretary_a), session, person=world.member_a.person.pk, status="present",
                        group=world.group_b.pk)
        assert response.status_code == 403
        assert not Attendance.objects.exists()

    def test_a_joint_sessions_guest_secretary_marks_their_own_group(self, world, as_user):
        session = make_session(world, form="joint", joint_groups=[world.group_b])
        accept(world, session)
        client = as_user(world.secretary_b)
        response = mark(client, session, person=world.secretary_b.person.pk, status="present")
        assert response.status_code == 200 and response.json()["group"] == world.group_b.pk
        response = mark(client, session, person=world.member_a.person.pk, status="present", group=world.group_a.pk)
        assert response.status_code == 403


def test_the_schema_describes_the_sessions_api(world, as_user):
    paths = as_user(world.secretary_a).get("/api/schema/?format=json").json()["paths"]
    assert {"/api/sessions/", "/api/sessions/{id}/", "/api/sessions/{id}/attendance/"} <= set(paths)
    assert "post" in paths["/api/sessions/{id}/attendance/"]


def test_a_groups_sessions_are_those_it_takes_part_in(world, as_user):
    declined = make_session(world, form="joint", joint_groups=[world.group_b], title="联学：谢绝的")
    services.partner_decide(session=declined, group=world.group_b, accept=False, by=world.secretary_b)
    taken = make_session(world, start=timezone.now() + dt.timedelta(days=3), form="joint",
                         joint_groups=[world.group_b], title="联学：接受的")
    accept(world, taken)
    listed = as_user(world.city_supervisor).get(f"/api/sessions/?group={world.group_b.pk}").json()["results"]
    assert [s["title"] for s in listed] == ["联学：接受的"]  # as group B's sessions page lists them
