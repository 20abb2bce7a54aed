"""The 学习秘书 finds out, in Chromium, that the group bot did not get a notice and will be retried."""

import pytest
from django.core.management import call_command

from meetings.tests.factories import next_week
from notices.tests.test_delivery import bot  # noqa: F401  (the loopback group bot fixture)

from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_secretary_sees_a_failed_delivery_waiting_for_its_retry(world, live_server, page, bot):  # noqa: F811
    bot["failing"] = True
    next_week(world)
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=0)
    login(page, live_server, world.secretary_a)
    page.goto(f"{live_server.url}/meetings/groups/{world.group_a.pk}/")
    page.click("[data-testid=deliveries]")
    page.wait_for_selector("[data-testid=deliveries]")
    row = page.inner_text("[data-testid=deliveries] tbody")
    assert "群机器人" in row and "重试中" in row and "HTTP" in row and "下次重试" in row
    shot(page, "notices-01-delivery-log")
