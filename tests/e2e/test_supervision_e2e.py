"""巡听旁听 in Chromium: the observer opens the visit from the 工作台 on a phone, scores the session and sends the
feedback; the group's secretary reads it and answers with a 整改 item and its evidence; the supervisor accepts."""

import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import login, shot


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_observer_scores_on_a_phone_and_the_group_answers_with_a_rectification(world, live_server, page,
                                                                                   phone_page):
    from supervision.models import Rectification, Visit
    from supervision.tests.factories import held_visit

    visit = held_visit(world)
    # The live server's first answer takes seconds on a loaded machine (imports, templates); wait for it here
    # rather than inside the browser's 15-second navigation timeout.
    urllib.request.urlopen(f"{live_server.url}/accounts/login/", timeout=120).read()
    for pg in (page, phone_page):
        pg.set_default_timeout(60000)

    # The observer, on a phone: 工作台 → the visit → the scoring form.
    login(phone_page, live_server, world.observer)
    phone_page.goto(f"{live_server.url}/")
    phone_page.click(f"a[href='/supervision/visits/{visit.pk}/']")
    phone_page.wait_for_selector("[data-testid=visit-title]")
    assert phone_page.locator("[data-testid=session-link]").count() == 1  # the way to the session's materials
    phone_page.click("[data-testid=score-link]")
    inputs = phone_page.locator("input[type=number]")
    # One item out of range first: the page refuses in Chinese and keeps what was typed.
    for i in range(inputs.count()):
        inputs.nth(i).fill("4")
    inputs.nth(0).fill("12")
    phone_page.fill("[data-testid=feedback-input]", "总体评价：组织规范。存在问题：研讨发言联系实际不够。")
    # The browser's own max check would stop the post; the server's message is what we test.
    phone_page.eval_on_selector("[data-testid=score-form]", "f => f.setAttribute('novalidate', '')")
    phone_page.click("[data-testid=submit-feedback]")
    phone_page.wait_for_selector("[data-testid=errors]")
    assert "得分须在 0 到 10 之间" in phone_page.inner_text("[data-testid=errors]")
    assert phone_page.input_value("[data-testid=feedback-input]").startswith("总体评价")
    phone_page.wait_for_load_state()
    inputs.nth(0).fill("8")
    expect(inputs.nth(0)).to_have_value("8")
    shot(phone_page, "supervision-score-phone")
    phone_page.click("[data-testid=submit-feedback]")
    # Either the visit page with the feedback, or the form again with the server's reason (named in the failure).
    phone_page.wait_for_selector("[data-testid=feedback], [data-testid=errors]")
    errors = phone_page.locator("[data-testid=errors]")
    assert errors.count() == 0, f"the valid scores were refused: {errors.inner_text()} " \
        f"(typed: {[inputs.nth(i).input_value() for i in range(inputs.count())]})"
    assert "研讨发言联系实际不够" in phone_page.inner_text("[data-testid=feedback]")
    visit.refresh_from_db()
    assert visit.feedback_at is not None
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the visit page scrolls sideways on a phone ({width}px)"

    # The group's secretary reads the feedback and answers with a 整改 item, then reports it done.
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/supervision/visits/{visit.pk}/")
    assert "研讨发言联系实际不够" in page.inner_text("[data-testid=feedback]")
    page.fill("#id_problem", "研讨发言联系实际不够")
    page.fill("#id_measure", "每位成员结合分管工作准备发言提纲，组长逐一点评")
    page.select_option("#id_responsible", str(world.leader_a.person.pk))
    page.click("[data-testid=rect-add]")
    page.wait_for_selector("[data-testid=rect-row]")
    page.click("[data-testid=rect-done]")  # no evidence: refused
    page.wait_for_selector(".alert-danger")
    assert "没有佐证不能销号" in page.inner_text(".alert-danger")
    page.fill("textarea[name=evidence_text]", "已在 11 月集体研讨中落实，成员均结合分管工作发言")
    page.click("[data-testid=rect-done]")
    page.wait_for_selector("text=待验收")
    shot(page, "supervision-rectification-group")

    # The supervisor accepts it (a logged-in browser is sent away from the log-in page, so start afresh).
    page.context.clear_cookies()
    login(page, live_server, world.city_supervisor)
    page.goto(f"{live_server.url}/supervision/visits/{visit.pk}/")
    page.click("[data-testid=rect-accept]")
    page.wait_for_selector("text=已销号")
    assert Rectification.objects.get().status == "accepted"
    assert Visit.objects.get(pk=visit.pk).rectifications.count() == 1


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_supervisor_finds_a_group_by_typing_part_of_its_name_and_plans_a_visit(world, live_server, page):
    from supervision import services
    from supervision.models import Visit

    plan = services.plan_create(unit=world.county_a, year=world.today.year, by=world.supervisor_a)
    urllib.request.urlopen(f"{live_server.url}/accounts/login/", timeout=120).read()
    page.set_default_timeout(60000)
    login(page, live_server, world.supervisor_a)
    page.goto(f"{live_server.url}/supervision/plan/{plan.pk}/")
    box = page.locator("form[action$='/visits/'] input[name=group]")
    box.press_sequentially("解放", delay=50)
    page.wait_for_selector("#plan-groups option", state="attached")  # the page's CSP forbids wait_for_function
    suggested = page.eval_on_selector_all("#plan-groups option", "os => os.map(o => o.value)")
    assert suggested == [world.group_a.name]
    box.fill(suggested[0])
    shot(page, "supervision-plan-group-picker")
    page.locator("form[action$='/visits/'] button").click()
    page.wait_for_selector(".alert-success")
    assert Visit.objects.get(plan=plan).group == world.group_a
