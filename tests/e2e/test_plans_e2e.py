"""学习计划 in Chromium: the secretary drafts and submits the year's plan; the 组长 approves it."""

import pytest

from plans.tests.factories import publish_city_guidance

from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _publish(world):
    publish_city_guidance(world, topics=["深入学习贯彻党的二十届四中全会精神", "学习习近平文化思想"])


def test_a_secretary_drafts_and_submits_the_plan(world, live_server, page):
    _publish(world)
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/plans/")
    page.click(f"[data-testid=my-groups] >> text={world.group_a.name}")
    page.click("[data-testid=create-plan]")
    page.wait_for_selector("#plan-form")
    assert page.input_value("#id_t-0-title") == "深入学习贯彻党的二十届四中全会精神"
    assert "已覆盖全部上级规定专题" in page.inner_text("body")
    page.fill("textarea[name=preamble]", "坚持学用结合，围绕解放街道老旧小区改造开展调研。")
    # Delete a mandated topic: the sidebar says what is now missing.
    page.check("input[name=t-1-DELETE]")
    page.fill("#id_t-2-lead", "赵书记")  # a line with a leader but no title
    shot(page, "plans-01-editor")
    page.click("[data-testid=save]")
    assert "第 3 个专题没有填写题目" in page.inner_text("[data-testid=errors]")
    shot(page, "plans-02-editor-error")
    page.fill("#id_t-2-title", "推进老旧小区改造专题调研")
    page.click("#add-topic")
    page.fill("#id_t-4-title", "学习新时代枫桥经验")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=uncovered]")
    assert "学习习近平文化思想" in page.inner_text("[data-testid=coverage]")
    page.click("[data-testid=save-submit]")
    page.wait_for_selector("[data-testid=plan-status]")
    assert page.inner_text("[data-testid=plan-status]") == "待审定"
    doc = page.inner_text("[data-testid=plan-doc]")
    assert "推进老旧小区改造专题调研" in doc and "学习新时代枫桥经验" in doc and "领学：赵书记" in doc
    assert page.locator("[data-testid=approve]").count() == 0  # the secretary does not approve
    shot(page, "plans-03-submitted")


def test_the_leader_approves_the_plan(world, live_server, page):
    from plans import services
    from plans.models import Status, StudyPlan

    plan = services.plan_create(group=world.group_a, year=world.today.year, by=world.secretary_a)
    plan = services.plan_save(plan=plan, by=world.secretary_a, preamble="坚持学用结合。", topics=[
        {"title": "学习党的创新理论", "kind": "required", "month": 3, "planned_on": None, "format": "discussion",
         "lead": "赵书记", "materials": "", "notes": "", "mandated_id": None, "reference_id": None}])
    services.plan_submit(plan=plan, by=world.secretary_a)
    login(page, live_server, world.leader_a)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    shot(page, "plans-04-leader-review")
    page.click("[data-testid=approve]")
    page.wait_for_selector("text=计划已审定")
    assert page.inner_text("[data-testid=plan-status]") == "已审定"
    assert page.locator("a:has-text('编辑')").count() == 0
    shot(page, "plans-05-approved")
    assert StudyPlan.objects.get(pk=plan.pk).status == Status.APPROVED
    with page.expect_download() as download:
        page.click("[data-testid=docx]")
    assert download.value.suggested_filename.endswith(".docx")
