"""通报与报送 in Chromium: the supervisor generates a bulletin and downloads it; a unit submits a 报送 task;
the supervisor's charts render on a phone."""

import io

import pytest
from docx import Document

from reports import services
from reports.tests.fixtures import office_a, study_year

from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_supervisor_generates_a_bulletin_and_downloads_it(world, live_server, page):
    study_year(world)
    office_a(world)
    login(page, live_server, world.supervisor_a)
    page.goto(f"{live_server.url}/reports/")
    page.click("text=看板、通报与报送任务")
    page.select_option("#b-quarter", "2")
    page.click("text=一键生成通报")
    page.wait_for_selector("[data-testid=bulletins] >> text=江宣〔")
    assert f"江宣〔{world.today.year}〕1号" in page.inner_text("[data-testid=bulletins]")
    shot(page, "reports-01-bulletin-generated")
    with page.expect_download() as info:
        page.click("[data-testid=bulletins] >> text=.docx")
    doc = Document(io.BytesIO(open(info.value.path(), "rb").read()))
    assert any(p.text == f"江宣〔{world.today.year}〕1号" for p in doc.paragraphs)


def test_a_unit_submits_a_report_task(world, live_server, page):
    study_year(world)
    task = services.task_create(unit=world.county_a, by=world.supervisor_a, kind="half_year", title="上半年学习总结",
                                year=world.today.year, workdays=5)
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/reports/")
    page.click(f"[data-testid=my-tasks] >> text={task.title}")
    page.click("text=填报")
    text = page.input_value("textarea[name=text]")
    assert "集体学习（次）：3" in text  # pre-filled: nothing typed twice
    page.fill("textarea[name=text]", text + "\n下半年将围绕四中全会精神开展专题研讨。")
    shot(page, "reports-02-submit-form")
    page.click("button:has-text('报送')")
    page.wait_for_selector("[data-testid=submitted]")
    shot(page, "reports-03-submitted")


def test_the_supervisor_dashboard_charts_render_on_a_phone(world, live_server, phone_page):
    study_year(world)
    login(phone_page, live_server, world.supervisor_a)
    phone_page.goto(f"{live_server.url}/reports/units/{world.county_a.pk}/?year={world.today.year}")
    phone_page.wait_for_selector(".report-chart svg")
    assert phone_page.locator(".report-chart svg").count() == 6
    width = phone_page.evaluate("document.querySelector('.report-chart svg').getBoundingClientRect().width")
    assert 250 < width <= 390
    shot(phone_page, "reports-04-dashboard-phone")
