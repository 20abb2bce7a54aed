"""档案专卷: one group's year as a zip with a table of contents and the audit chain's head."""

import io
import zipfile

import pytest
from django.urls import reverse

from core.models import AuditHead
from reports import services
from reports.models import ArchiveBuild

from .fixtures import study_year

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_thread(settings):
    settings.REPORTS_ARCHIVE_THREAD = False  # the test runs the build itself, inside its transaction


def test_the_archive_holds_every_session_record_with_a_contents_page_and_the_audit_head(world, as_user):
    from writings import services as writing_services

    sessions = study_year(world)
    member = world.member_a.person
    draft = writing_services.writing_create(person=member, group=world.group_a, kind="article", by=world.member_a,
                                            title="学习四中全会精神的体会", text="深刻领会四中全会精神。" * 20,
                                            session=sessions[0])
    writing_services.writing_submit(writing=draft, by=world.member_a)
    writing_services.writing_create(person=member, group=world.group_a, kind="article", by=world.member_a,
                                    title="未提交的草稿", text="草稿内容。" * 20, session=sessions[1])
    client = as_user(world.secretary_a)
    response = client.post(reverse("reports:archive", args=[world.group_a.pk]), {"year": world.today.year})
    assert response.status_code == 302
    build = ArchiveBuild.objects.get()
    assert client.get(reverse("reports:archive_status", args=[build.pk])).json()["status"] == "pending"
    head = AuditHead.objects.get(pk=1)
    services.archive_build(build.pk)
    status = client.get(reverse("reports:archive_status", args=[build.pk])).json()
    assert status["status"] == "done" and status["percent"] == 100
    zf = zipfile.ZipFile(io.BytesIO(client.get(reverse("reports:archive_download", args=[build.pk])).content))
    names = zf.namelist()
    assert sum(n.endswith("学习记录.docx") for n in names) == 3
    assert sum(n.endswith("考勤表.xlsx") for n in names) == 3
    assert sum(n.endswith("纪要和简报.txt") for n in names) == 3
    toc = zf.read("00-目录.txt").decode()
    assert head.last_hash in toc and "目录" in toc and "学习记录（五落实）" in toc
    index = zf.read("03-个人学习/学习文章索引.txt").decode()
    assert "学习四中全会精神的体会" in index and "未提交的草稿" not in index  # a draft stays its author's
    assert "2月会议纪要" in zf.read(next(n for n in names if n.startswith("02-集体学习/01-") and n.endswith(".txt"))
                                ).decode()


def test_a_double_click_joins_the_build_under_way(world):
    first = services.archive_request(group=world.group_a, year=world.today.year, by=world.secretary_a)
    second = services.archive_request(group=world.group_a, year=world.today.year, by=world.secretary_a)
    assert first.pk == second.pk and ArchiveBuild.objects.count() == 1


def test_the_management_command_builds_queued_archives(world):
    from django.core.management import call_command

    build = services.archive_request(group=world.group_a, year=world.today.year, by=world.secretary_a)
    call_command("reports_build_archives", stdout=io.StringIO())
    build.refresh_from_db()
    assert build.status == "done" and build.content


def test_who_may_build_and_download_an_archive(world, as_user):
    build = services.archive_request(group=world.group_a, year=world.today.year, by=world.secretary_a)
    services.archive_build(build.pk)
    url = reverse("reports:archive_download", args=[build.pk])
    assert as_user(world.supervisor_a).get(url).status_code == 200
    assert as_user(world.member_a).get(url).status_code == 403
    assert as_user(world.supervisor_b).get(url).status_code == 404
    assert as_user(world.outsider).get(url).status_code == 404
    assert as_user(world.secretary_a).post(reverse("reports:archive", args=[world.group_a.pk]),
                                           {"year": "abc"}).status_code == 400


def test_with_a_task_worker_configured_the_request_is_queued_for_it(world, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        build = services.archive_request(group=world.group_a, year=world.today.year, by=world.secretary_a)
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [build.pk] and "build_archive" in task.task_path


def test_the_archive_and_the_dashboard_carry_the_visits_feedback_and_the_rectifications(world):
    import datetime as dt

    from reports import selectors
    from supervision import services as supervision
    from supervision.models import Rectification
    from supervision.tests.factories import full_scores, held_visit

    visit = held_visit(world)
    supervision.visit_score(visit=visit, scores=full_scores(visit), feedback="研讨联系实际较好。", by=world.observer,
                            submit=True)
    visit.refresh_from_db()
    rect = supervision.rect_add(group=world.group_a, visit=visit, problem="研讨发言联系实际不够",
                                measure="每人结合分管工作发言", responsible=world.leader_a.person,
                                due=world.today + dt.timedelta(days=30), by=world.secretary_a)
    Rectification.objects.filter(pk=rect.pk).update(due=world.today - dt.timedelta(days=1))  # a month later
    build = services.archive_request(group=world.group_a, year=world.today.year, by=world.secretary_a)
    build = services.archive_build(build.pk)
    zf = zipfile.ZipFile(io.BytesIO(bytes(build.content)))
    assert "研讨联系实际较好。" in zf.read("05-巡听与整改/巡听反馈意见.txt").decode()
    assert "每人结合分管工作发言" in zf.read("05-巡听与整改/整改情况.txt").decode()
    summary = selectors.supervision_summary(world.county_a, world.today.year)
    assert summary.visited == 1 and summary.overdue == 1 and sum(summary.rect_counts) == 1


def test_a_groups_archive_holds_the_joint_sessions_it_took_part_in_not_those_it_declined(world):
    import datetime as dt

    from django.utils import timezone

    from meetings import services as meetings
    from meetings.tests.factories import accept, make_session

    start = timezone.now() - dt.timedelta(days=3)
    taken = make_session(world, start=start, form="joint", title="联学：四中全会精神", joint_groups=[world.group_b])
    accept(world, taken)
    declined = make_session(world, start=start - dt.timedelta(days=1), form="joint", title="联学：文化思想",
                            joint_groups=[world.group_b])
    meetings.partner_decide(session=declined, group=world.group_b, accept=False, by=world.secretary_b)
    titles = [title for _, title, _ in services._archive_items(world.group_b, world.today.year)]
    assert any("联学：四中全会精神" in t for t in titles)
    assert not any("联学：文化思想" in t for t in titles)
    host = [title for _, title, _ in services._archive_items(world.group_a, world.today.year)]
    assert any("联学：文化思想" in t for t in host)  # the host's record, declined by a partner or not
