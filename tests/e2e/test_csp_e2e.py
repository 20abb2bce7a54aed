"""Stored XSS and the Content-Security-Policy, in Chromium.

A name typed by one user must never run as script in another user's browser. The two cases are the ones the
security review ran on main: a member named like a JavaScript string break-out, confirmed away by the 组长
(离组), and a unit renamed the same way, whose 发布 button asked through an inline onclick. A confirmation
dialog is expected and must show the name as text; any other dialog (alert) means the name ran as script.
"""

import pytest
from django.test import Client
from playwright.sync_api import expect

from core.testing import login as client_login

from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAYLOAD = "'+alert(document.domain)+'"


def _watch_dialogs(page):
    """Accept every dialog and remember (type, message): a refused confirm would hide what came after."""
    seen = []

    def on_dialog(dialog):
        seen.append((dialog.type, dialog.message))
        dialog.accept()

    page.on("dialog", on_dialog)
    return seen


def _watch_csp(page):
    """Collect console messages that report a Content-Security-Policy violation."""
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def test_a_member_named_like_script_is_only_text_when_the_leader_ends_the_membership(world, live_server, page):
    from orgs import services as org
    from orgs.models import Membership, Role

    person = org.person_create(unit=world.town_a, name=PAYLOAD, by=None)
    membership = org.membership_add(group=world.group_a, person=person, role=Role.MEMBER,
                                    start=world.today.replace(month=1, day=1), by=None)
    dialogs = _watch_dialogs(page)
    violations = _watch_csp(page)
    login(page, live_server, world.leader_a)
    page.goto(f"{live_server.url}/groups/{world.group_a.pk}/")
    row = page.locator("[data-testid=members] tr", has_text=PAYLOAD)
    row.locator("button:has-text('离组')").click()
    page.wait_for_load_state("networkidle")
    shot(page, "security-01-member-left")
    assert dialogs == [("confirm", f"确认 {PAYLOAD} 离开本组？")]
    assert Membership.objects.get(pk=membership.pk).end is not None  # the accepted confirmation went through
    assert violations == []


def test_a_unit_renamed_like_script_is_only_text_when_the_supervisor_publishes(world, live_server, page):
    from orgs import services as org
    from plans.models import Guidance

    org.unit_rename(unit=world.city, name=PAYLOAD, by=None)
    dialogs = _watch_dialogs(page)
    violations = _watch_csp(page)
    login(page, live_server, world.city_supervisor)
    year = world.today.year
    page.goto(f"{live_server.url}/plans/supervise/{world.city.pk}/{year}/guidance/")
    page.fill("textarea[name=topics]", "深入学习贯彻党的二十届四中全会精神")
    page.fill("input[name=report_deadline]", f"{year}-03-31")
    page.click("[data-testid=publish]")
    page.wait_for_load_state("networkidle")
    shot(page, "security-02-guidance-published")
    assert dialogs == [("confirm", f"发布后规定专题将下发到{PAYLOAD}及所属全部单位的中心组，且不能再修改。确认发布？")]
    assert Guidance.objects.get(unit=world.city, year=year).is_published
    assert violations == []


def test_refusing_the_confirmation_changes_nothing(world, live_server, page):
    from orgs.models import Membership

    page.on("dialog", lambda dialog: dialog.dismiss())
    login(page, live_server, world.leader_a)
    page.goto(f"{live_server.url}/groups/{world.group_a.pk}/")
    row = page.locator("[data-testid=members] tr", has_text="钱委员")
    row.locator("button:has-text('离组')").click()
    page.wait_for_timeout(300)
    assert page.url.endswith(f"/groups/{world.group_a.pk}/")
    assert not Membership.objects.filter(group=world.group_a, person=world.member_a.person, end__isnull=False).exists()


def test_every_page_sends_a_policy_that_forbids_inline_script(world, client):
    client_login(client, world.secretary_a)
    for url in ("/", f"/groups/{world.group_a.pk}/", "/accounts/login/", "/api/docs/"):
        policy = client.get(url)["Content-Security-Policy"]
        script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert "default-src 'self'" in policy and "object-src 'none'" in policy


def _login_by_cookie(page, live_server, user):
    """The 三员 log in with a TOTP code; the browser borrows a session made the way the other tests make one."""
    c = client_login(Client(), user)
    cookie = c.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


PAGES = {
    "secretary_a": ["/", "/units/", "/people/", "/groups/{group_a}/", "/plans/", "/meetings/", "/materials/",
                    "/api/docs/"],
    "leader_a": ["/", "/groups/{group_a}/", "/plans/", "/meetings/"],
    "member_a": ["/", "/meetings/", "/materials/"],
    "supervisor_a": ["/", "/units/", "/plans/supervise/", "/meetings/"],
    "city_supervisor": ["/", "/units/", "/plans/supervise/", "/plans/supervise/{city}/{year}/guidance/"],
    "observer": ["/", "/meetings/"],
    "outsider": ["/", "/groups/{group_a}/"],
    "sysadmin": ["/", "/accounts/users/", "/units/"],
    "secadmin": ["/", "/accounts/security/"],
    "auditadmin": ["/", "/audit/"],
}


def test_the_main_pages_raise_no_policy_violation_for_any_persona(world, live_server, browser):
    from meetings.tests.factories import next_week

    session = next_week(world)
    PAGES["secretary_a"] += [f"/meetings/{session.pk}/", f"/meetings/{session.pk}/qr/"]
    fill = {"group_a": world.group_a.pk, "city": world.city.pk, "year": world.today.year}
    for persona, urls in PAGES.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.set_default_timeout(60000)  # many pages on a shared CI machine: be patient, not flaky
        violations = _watch_csp(page)
        dialogs = _watch_dialogs(page)
        user = world.user(persona)
        if persona in ("sysadmin", "secadmin", "auditadmin"):
            _login_by_cookie(page, live_server, user)
        else:
            login(page, live_server, user)
        for url in urls:
            response = page.goto(live_server.url + url.format(**fill))
            # Violations are reported while the page parses and runs its scripts; htmx's load-time requests
            # start right after. ("networkidle" can wait forever on a loaded machine.)
            page.wait_for_load_state("load")
            page.wait_for_timeout(500)
            assert response.status < 500, (persona, url, response.status)
            assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}, (persona, url)
        if persona == "secretary_a":
            page.goto(f"{live_server.url}/units/")
            page.wait_for_load_state("networkidle")
            shot(page, "security-03-tree-under-csp")
        context.close()
        assert violations == [], (persona, violations)
        assert dialogs == [], (persona, dialogs)


def test_htmx_works_under_the_policy_the_unit_tree_loads_then_folds(world, live_server, page):
    page.set_default_timeout(60000)  # the tree page is the heaviest; a shared CI machine can be slow
    violations = _watch_csp(page)
    login(page, live_server, world.city_supervisor)
    page.goto(f"{live_server.url}/units/")
    button = page.locator("button[data-tree-expand]").first.element_handle()  # a handle: the attribute goes away
    item = button.evaluate_handle("el => el.closest('li')")
    button.click()
    href = item.evaluate("li => li.querySelector(':scope > .node > a').getAttribute('href')")
    # expect, not wait_for_function: Playwright polls its predicate with eval, which the CSP forbids
    expect(page.locator(f"li:has(> .node > a[href='{href}']) > ul > li").first).to_be_attached()
    assert button.get_attribute("data-tree-toggle") is not None and button.get_attribute("hx-get") is None
    folded = "li => li.querySelector(':scope > ul').classList.contains('d-none')"
    button.click()
    assert item.evaluate(folded)
    button.click()
    assert not item.evaluate(folded)
    shot(page, "security-04-tree-expanded")
    assert violations == []
