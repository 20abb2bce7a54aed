"""Every reports URL with the status each persona should get (see core/testing.py)."""

import datetime as dt

from core.testing import Case

MANAGERS = {"secretary_a": 200, "leader_a": 200}


def county_a(world):
    return [world.county_a.pk]


def city(world):
    return [world.city.pk]


def _bulletin(world):
    from reports import services
    from reports.models import Bulletin
    from reports.tests.fixtures import office_a, study_year

    b = Bulletin.objects.filter(unit=world.county_a).first()
    if b is None:
        study_year(world)
        b = services.bulletin_generate(office=office_a(world), unit=world.county_a, year=world.today.year,
                                       quarter=None, by=world.supervisor_a, make_pdf=False)
        Bulletin.objects.filter(pk=b.pk).update(pdf=b"%PDF-1.4 test")
    return [b.pk]


def _task(world):
    from reports import services
    from reports.models import ReportTask

    t = ReportTask.objects.filter(unit=world.county_a).first() or services.task_create(
        unit=world.county_a, by=world.supervisor_a, kind="special", title="专题报告", year=world.today.year,
        deadline=world.today + dt.timedelta(days=3))
    return t


def task(world):
    return [_task(world).pk]


def task_group_a(world):
    return [_task(world).pk, world.group_a.pk]


def group_a(world):
    return [world.group_a.pk]


def build(world):
    from reports import services

    b = services.archive_request(group=world.group_a, year=world.today.year, by=world.secretary_a)
    services.archive_build(b.pk)
    return [b.pk]


COUNTY_A = {"supervisor_a": 200, "city_supervisor": 200}
GROUP_A_READERS = {"secretary_a": 200, "leader_a": 200, "member_a": 200, "supervisor_a": 200, "city_supervisor": 200}
ARCHIVERS = {"secretary_a": 200, "leader_a": 200, "member_a": 403, "supervisor_a": 200, "city_supervisor": 200}

CASES = [
    Case("reports:index", expect={"secretary_a": 200, "leader_a": 200, "member_a": 200, "secretary_b": 200,
                                  "supervisor_a": 200, "supervisor_b": 200, "city_supervisor": 200}),
    Case("reports:unit", county_a, COUNTY_A),
    Case("reports:office", county_a, COUNTY_A),
    Case("reports:office", county_a, {"supervisor_a": 400, "city_supervisor": 400}, method="post"),
    Case("reports:bulletin_new", county_a, {"supervisor_a": 400, "city_supervisor": 400}, method="post"),
    Case("reports:bulletin_new", city, {"city_supervisor": 400}, method="post"),
    Case("reports:task_new", county_a, {"supervisor_a": 400, "city_supervisor": 400}, method="post"),
    Case("reports:bulletin_docx", _bulletin, COUNTY_A),
    Case("reports:bulletin_pdf", _bulletin, COUNTY_A),
    Case("reports:task", task, {**COUNTY_A, "secretary_a": 200, "leader_a": 200, "member_a": 200}),
    Case("reports:task_export", task, {**COUNTY_A, "secretary_a": 403, "leader_a": 403, "member_a": 403}),
    Case("reports:task_submit", task_group_a, {"secretary_a": 200, "leader_a": 200, "member_a": 403,
                                               "supervisor_a": 403, "city_supervisor": 403}),
    Case("reports:task_submit", task_group_a, {"secretary_a": 400, "leader_a": 400, "member_a": 403,
                                               "supervisor_a": 403, "city_supervisor": 403}, method="post"),
    Case("reports:group", group_a, GROUP_A_READERS),
    Case("reports:archive", group_a, ARCHIVERS),
    Case("reports:archive_status", build, ARCHIVERS),
    Case("reports:archive_download", build, ARCHIVERS),
]
