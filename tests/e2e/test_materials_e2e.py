"""The library's live search and the 第一议题 form, in Chromium."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from .conftest import login, shot


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_secretary_searches_the_library_and_records_a_first_item(world, live_server, page):
    from materials import services
    from materials.models import FirstItemStudy

    speech = services.material_create(owner_unit=world.city, title="党的二十届四中全会公报", kind="document",
                                      published_on=world.today - dt.timedelta(days=2), important=True,
                                      text="全会听取和讨论了工作报告。各中心组要开展专题研讨。", by=None)
    services.material_create(owner_unit=world.city, title="乡村振兴工作要点", kind="article",
                             published_on=world.today - dt.timedelta(days=5), text="抓好粮食生产。", by=None)
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/materials/")
    page.fill("[data-testid=search]", "研讨")
    page.wait_for_selector("[data-testid=results] mark")
    results = page.inner_text("[data-testid=results]")
    assert "四中全会公报" in results and "乡村振兴" not in results
    shot(page, "materials-search")
    page.fill("[data-testid=search]", "，。！")
    page.wait_for_selector("[data-testid=search-error]")
    assert "标点" in page.inner_text("[data-testid=search-error]")

    page.goto(f"{live_server.url}/materials/first-item/groups/{world.group_a.pk}/")
    page.fill("#id_meeting_title", "党委会（第1次）")
    page.select_option("#id_materials", [str(speech.pk)])
    page.click("text=保存记录")
    page.wait_for_selector("[data-testid=first-items] >> text=2 天")
    assert FirstItemStudy.objects.filter(group=world.group_a).count() == 1
    shot(page, "materials-first-item")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_kind_filter_narrows_the_live_results(world, live_server, page):
    from materials import services

    for title, kind in (("研讨讲话", "speech"), ("研讨文章", "article")):
        services.material_create(owner_unit=world.city, title=title, kind=kind, published_on=world.today,
                                 text="专题研讨", by=None)
    login(page, live_server, world.member_a)
    page.goto(f"{live_server.url}/materials/?q=研讨")
    assert "研讨文章" in page.inner_text("[data-testid=results]")
    with page.expect_response(lambda r: "kind=speech" in r.url):
        page.select_option("select[name=kind]", "speech")
    # expect, not wait_for_function: Playwright polls its predicate with eval, which the CSP forbids
    expect(page.locator("[data-testid=results]")).not_to_contain_text("研讨文章")
    assert "研讨讲话" in page.inner_text("[data-testid=results]")
