"""报送 tasks: issued to a subtree, pre-filled from what the system holds, submitted once, late and missing shown."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reports import services
from reports.models import ReportTask, Submission

from .fixtures import study_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(world):
    return services.task_create(unit=world.city, by=world.city_supervisor, kind="half_year", title="2026年上半年学习总结",
                                year=world.today.year, deadline=world.today + dt.timedelta(days=5))


def test_a_unit_submits_a_half_year_summary_prefilled_with_its_figures(world, task, as_user):
    study_year(world)
    client = as_user(world.secretary_a)
    url = reverse("reports:task_submit", args=[task.pk, world.group_a.pk])
    page = client.get(url).content.decode()
    assert "集体学习（次）：3" in page and "参学率：100.0%" in page  # typed by nobody: the system's own figures
    response = client.post(url, {"text": "上半年集体学习3次，研讨2次。"})
    assert response.status_code == 302
    sub = Submission.objects.get()
    assert sub.prefilled["figures"]["集体学习（次）"] == 3 and not sub.late


def test_the_plan_task_is_prefilled_with_the_plan_topics_and_the_member_list(world):
    from plans.tests.matrix import _plan

    task = services.task_create(unit=world.county_a, by=world.supervisor_a, kind="plan", title="年度学习计划及成员名单",
                                year=world.today.year - 2, workdays=5)
    _plan(world, "approved")
    from reports.selectors import task_prefill

    data = task_prefill(task, world.group_a)
    assert data["topics"] == ["学习党的创新理论"]
    assert any(m.startswith("赵书记（组长") for m in data["members"])
    assert task.deadline > world.today  # five working days from today


def test_the_supervisor_sees_submitted_late_and_missing_and_exports_them(world, task, as_user):
    sub = services.submission_submit(task=task, group=world.group_a, by=world.secretary_a, text="已报送")
    # a week later: A had submitted before the deadline, B never did
    Submission.objects.filter(pk=sub.pk).update(submitted_at=sub.submitted_at - dt.timedelta(days=7))
    ReportTask.objects.filter(pk=task.pk).update(deadline=world.today - dt.timedelta(days=1))
    client = as_user(world.city_supervisor)
    page = client.get(reverse("reports:task", args=[task.pk])).content.decode()
    assert "已报送" in page and "逾期未报" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("reports:task_export", args=[task.pk])).content))
    states = {row[1]: row[2] for row in book.active.iter_rows(values_only=True) if row[1]}
    assert states[world.group_a.name] == "已报送" and states[world.group_b.name] == "逾期未报"


def test_a_second_submission_is_refused_and_changes_nothing(world, task, as_user):
    services.submission_submit(task=task, group=world.group_a, by=world.secretary_a, text="第一次")
    with pytest.raises(ValidationError, match="已经报送过"):
        services.submission_submit(task=task, group=world.group_a, by=world.secretary_a, text="第二次")
    response = as_user(world.secretary_a).post(reverse("reports:task_submit", args=[task.pk, world.group_a.pk]),
                                               {"text": "第三次"})
    assert response.status_code == 400
    assert list(Submission.objects.values_list("text", flat=True)) == ["第一次"]


def test_bad_task_input_gets_chinese_messages(world, as_user):
    client = as_user(world.supervisor_a)
    url = reverse("reports:task_new", args=[world.county_a.pk])
    for data, message in (({"kind": "x", "title": "t", "year": 2026}, "请选择报送类型"),
                          ({"kind": "special", "title": "t", "year": 2026, "deadline": "2020-01-01"}, "不能早于今天"),
                          ({"kind": "special", "title": "t", "year": 2026}, "请填写截止日期或工作日数"),
                          ({"kind": "special", "title": "t", "year": 2026, "workdays": "999"}, "不能超过 120")):
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), message
    assert not ReportTask.objects.exists()
    response = as_user(world.secretary_a).post(reverse("reports:task_submit", args=[
        services.task_create(unit=world.county_a, by=world.supervisor_a, kind="special", title="专题报告",
                             year=2026, workdays=3).pk, world.group_a.pk]), {"text": "  "})
    assert response.status_code == 400 and "请填写报送内容" in response.content.decode()


def test_who_may_see_and_submit_a_task(world, task, as_user):
    url = reverse("reports:task_submit", args=[task.pk, world.group_a.pk])
    assert as_user(world.member_a).post(url, {"text": "x"}).status_code == 403  # a plain member cannot submit
    assert as_user(world.secretary_b).get(url).status_code == 404  # another group's form
    assert as_user(world.outsider).get(reverse("reports:task", args=[task.pk])).status_code == 404
    county_task = services.task_create(unit=world.county_a, by=world.supervisor_a, kind="special", title="专题",
                                       year=2026, workdays=3)
    assert as_user(world.supervisor_b).get(reverse("reports:task", args=[county_task.pk])).status_code == 404
    assert as_user(world.secretary_b).get(reverse("reports:task", args=[county_task.pk])).status_code == 404
    assert not Submission.objects.exists()


def test_the_workbench_lists_what_the_group_still_owes_until_it_is_submitted(world, task, as_user):
    client = as_user(world.secretary_a)
    assert task.title in client.get(reverse("home")).content.decode()
    services.submission_submit(task=task, group=world.group_a, by=world.secretary_a, text="已报送")
    assert task.title not in client.get(reverse("home")).content.decode()
    assert task.title in as_user(world.city_supervisor).get(reverse("home")).content.decode()
    assert task.title not in as_user(world.member_a).get(reverse("home")).content.decode()


def test_a_task_for_many_groups_is_counted_by_the_database_and_listed_fifty_at_a_time(world, task, as_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orgs import services as org

    def towns(n, start):
        return [org.unit_create(name=f"中共江城区第{start + i}街道工作委员会", parent=world.county_a,
                                kind="working_committee").group for i in range(n)]

    def page_of(client, query=""):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("reports:task", args=[task.pk]) + query).content.decode()
        return page, len(ctx.captured_queries)

    client = as_user(world.city_supervisor)
    few = towns(3, 1)
    _, small = page_of(client)
    many = towns(70, 10)
    services.submission_submit(task=task, group=world.group_a, by=world.secretary_a, text="已报送")
    late = Submission.objects.create(task=task, group=many[5], text="晚报",
                                     submitted_at=dt.datetime.combine(task.deadline + dt.timedelta(days=1),
                                                                      dt.time(9), tzinfo=dt.UTC))
    assert late.late
    # either side of midnight, Beijing time, after the deadline day: on time, then late (as Submission.late says)
    from django.utils import timezone

    deadline_day_end = timezone.make_aware(dt.datetime.combine(task.deadline, dt.time(23, 59)))
    edges = [Submission.objects.create(task=task, group=many[6 + i], text="踩点", submitted_at=moment)
             for i, moment in enumerate((deadline_day_end, deadline_day_end + dt.timedelta(minutes=1)))]
    assert [e.late for e in edges] == [False, True]
    page, large = page_of(client)
    assert large == small  # the same statements for 6 groups or 76
    from reports.selectors import subtree_groups

    total = subtree_groups(world.city).count()
    assert total > len(few) + len(many)
    missing = total - 4
    counts = page[page.index("task-counts"):page.index("导出 Excel")]
    assert "已报送 2<" in counts and "逾期报送 2<" in counts and f"未报送 {missing}<" in counts, counts
    assert page.count("<tr><td>") == 50 and "第 1 / 2 页" in page
    second, _ = page_of(client, "?page=2")
    assert second.count("<tr><td>") == total - 50
    only_late, _ = page_of(client, "?state=逾期报送")
    assert only_late.count("<tr><td>") == 2 and many[5].name in only_late and many[7].name in only_late
    done, _ = page_of(client, "?state=已报送")
    assert done.count("<tr><td>") == 2 and world.group_a.name in done and many[6].name in done
    assert page_of(client, "?state=未报送")[0].count("<tr><td>") == 50
    assert "没有逾期未报的中心组" in page_of(client, "?state=逾期未报")[0]  # the deadline has not passed
    # A group's secretary sees their own group's line only, not the province's list
    mine = as_user(world.secretary_b).get(reverse("reports:task", args=[task.pk])).content.decode()
    assert world.group_b.name in mine and world.group_a.name not in mine and "task-status" not in mine
