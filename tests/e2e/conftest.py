"""Browser tests drive Debian's Chromium through Playwright against pytest-django's live server.

Screenshots go to test-artifacts/screenshots/ (not committed) so a person can look at the pages.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    return context, pg


@pytest.fixture
def page(browser):
    context, pg = _page(browser, viewport={"width": 1280, "height": 860})
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser):
    context, pg = _page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield pg
    context.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def login(page, live_server, user, password=None):
    """Log in through the real form, as a person would."""
    from core.testing import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password or PASSWORD)
    page.click("[data-testid=login]")
    page.wait_for_load_state("networkidle")
