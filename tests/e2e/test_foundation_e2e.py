"""A 学习秘书 imports the group's members in Chromium; supervisors and the audit administrator look around."""

import io

import pytest
from openpyxl import Workbook

from orgs.importing import MEMBER_HEADERS

from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(MEMBER_HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return str(path)


def test_a_secretary_imports_members_after_fixing_a_bad_file(world, live_server, page, tmp_path):
    login(page, live_server, world.secretary_a)
    shot(page, "01-home-secretary")
    page.click(f"text={world.group_a.name}")
    page.wait_for_selector("[data-testid=members]")
    assert "秦秘书" in page.inner_text("[data-testid=members]")
    shot(page, "02-group")

    page.click("a:has-text('导入成员')")
    bad = _xlsx(tmp_path / "bad.xlsx", [["周建国", "男", "", "", "", "1381234", "成员", ""],
                                        ["吴丽", "女", "", "", "", "", "主任", ""]])
    page.set_input_files("input[type=file]", bad)
    page.click("[data-testid=upload]")
    errors = page.inner_text("[data-testid=import-errors]")
    assert "整张表都没有导入" in errors
    body = page.inner_text("body")
    assert "第 2 行" in body and "手机号码" in body and "第 3 行" in body and "角色“主任”不正确" in body
    shot(page, "03-import-errors")

    page.click("a:has-text('重新上传')")
    good = _xlsx(tmp_path / "good.xlsx", [["周建国", "男", "", "党工委副书记", "副科级", "13812345678", "副组长", ""],
                                          ["吴丽", "女", "", "党工委委员", "副科级", "13912345678", "成员", ""]])
    page.set_input_files("input[type=file]", good)
    page.click("[data-testid=upload]")
    assert "检查通过，共 2 行" in page.inner_text("body")
    shot(page, "04-import-preview")
    page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=members]")
    members = page.inner_text("[data-testid=members]")
    assert "周建国" in members and "吴丽" in members and "138****5678" in members
    assert "已导入 2 名成员" in page.inner_text("body")
    shot(page, "05-group-after-import")


def test_the_city_supervisor_browses_the_unit_tree(world, live_server, page):
    login(page, live_server, world.city_supervisor)
    page.goto(f"{live_server.url}/units/")
    tree = page.locator("[data-testid=unit-tree]")
    assert "中共江城区委员会" in tree.inner_text()
    # Open county A lazily (htmx) and see its township.
    page.locator("li:has(> span.node a:text-is('中共江城区委员会')) > span.node button.toggle").click()
    page.wait_for_selector("text=中共江城区解放街道工作委员会")
    shot(page, "06-unit-tree-city")


def test_a_county_supervisor_cannot_open_the_sibling_county(world, live_server, page):
    login(page, live_server, world.supervisor_b)
    response = page.goto(f"{live_server.url}/groups/{world.group_a.pk}/")
    assert response.status == 404 and "没有找到" in page.inner_text("body")


def test_the_group_page_works_on_a_phone(world, live_server, phone_page):
    login(phone_page, live_server, world.secretary_a)
    phone_page.goto(f"{live_server.url}/groups/{world.group_a.pk}/")
    assert phone_page.is_visible("[data-testid=members]")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "no sideways scrolling on a phone"
    shot(phone_page, "07-group-phone")


def test_the_audit_administrator_verifies_the_chain(world, live_server, page):
    import base64

    from django_otp.oath import TOTP

    login(page, live_server, world.auditadmin)
    assert "/accounts/otp/" in page.url
    secret = page.inner_text("[data-testid=totp-secret]")
    page.fill("#id_code", str(TOTP(base64.b32decode(secret)).token()).zfill(6))
    page.click("button:has-text('验证')")
    page.goto(f"{live_server.url}/audit/?verify=1")
    assert "审计链完整" in page.inner_text("[data-testid=verify-result]")
    shot(page, "08-audit-log")
