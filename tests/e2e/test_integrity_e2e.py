"""真学真记 in Chromium: the supervisor sees a reuse signal on the later session, opens the passages side by side
with both dates, and marks the signal explained with a note that stays visible."""

import pytest

from .conftest import login, shot


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_supervisor_sees_repeated_minutes_side_by_side_and_explains_them(world, live_server, page):
    from integrity.tests.factories import MINUTES_A, scheduled_in_time, with_minutes

    earlier = scheduled_in_time(world, days=40)
    with_minutes(world, earlier, MINUTES_A)
    later = scheduled_in_time(world, days=2)
    with_minutes(world, later, MINUTES_A.replace("赵书记", "李书记"))

    login(page, live_server, world.supervisor_a)
    page.goto(f"{live_server.url}/meetings/{later.pk}/")
    signal = page.locator("[data-testid=signal-text_reuse]")
    assert "在先" in signal.inner_text()
    shot(page, "integrity-session-signal")
    signal.get_by_text("对照查看").click()
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "在后（被提示）" in body and "在先" in body and "加装电梯" in body
    assert page.locator("table.reuse-side mark").count() > 0  # the differing words are marked
    shot(page, "integrity-match")
    page.go_back()
    page.fill("[data-testid=signal-text_reuse] input[name=note]", "两次会议纪要由同一秘书起草，已要求重写")
    page.click("[data-testid=signal-text_reuse] button")
    page.wait_for_load_state("networkidle")
    assert "已说明" in page.locator("[data-testid=signal-text_reuse]").inner_text()
    shot(page, "integrity-explained")
