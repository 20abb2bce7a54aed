"""Issue 9 in Chromium: an API token made on its page, 三员 approvals, a member's view of a colleague."""

import pytest

from accounts.services import user_create
from orgs import services as org

from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_secretary_makes_a_token_and_revokes_it(world, live_server, page):
    login(page, live_server, world.secretary_a)
    page.click("a:has-text('API 令牌')")
    page.fill("#id_name", "一表通对接")
    page.select_option("#id_scope", "read")
    page.click("button:has-text('创建')")
    secret = page.inner_text("[data-testid=new-token] .font-monospace").strip()
    assert secret.startswith("zxt_")
    shot(page, "20-api-token")
    page.click("button:has-text('吊销')")
    assert "已吊销" in page.content()


def test_the_security_administrator_sees_what_waits_for_approval(world, live_server, page):
    person = org.person_create(unit=world.town_a, name="李新", by=None)
    user_create(username="lixin", password="Kx9#mole-2026", person=person, by=world.sysadmin)
    org.supervisor_scope_add(user=world.outsider, unit=world.city, kind="propaganda", start=world.today,
                             by=world.sysadmin)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.tests.test_totp import code_for

    login(page, live_server, world.secadmin)
    device = TOTPDevice.objects.get(user=world.secadmin)
    page.fill("#id_code", code_for(device))
    page.click("button:has-text('验证')")
    page.click("a:has-text('我已保存')")
    page.click("a:has-text('三员审批')")
    assert "李新" in page.inner_text("[data-testid^=binding-]")
    assert world.city.name in page.inner_text("[data-testid^=scope-]")
    shot(page, "21-approvals")
    page.click("[data-testid^=scope-] button:has-text('批准')")
    assert "没有待审批的督导范围" in page.content()


def test_a_member_sees_a_colleague_by_name_and_role_and_their_own_data(world, live_server, page):
    org.person_update(person=world.secretary_a.person, by=None, post="办公室主任", phone="13912341219")
    login(page, live_server, world.member_a)
    page.goto(f"{live_server.url}/groups/{world.group_a.pk}/")
    members = page.inner_text("[data-testid=members]")
    assert "秦秘书" in members and "139****1219" not in members and "办公室主任" not in members
    shot(page, "22-group-as-member")
    page.click("[data-testid=my-data]")
    with page.expect_download() as download:
        page.click("[data-testid=person-export]")
    assert download.value.suggested_filename.endswith(".json")
    shot(page, "23-my-data")
