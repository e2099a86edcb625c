"""Browser tests: Debian's Chromium, headless, driven by Playwright's sync API.

Chromium comes from the system (`make system-deps` installs it as root); Playwright's own
browser download is never used. Without Chromium the tests fail under CI=true and are
skipped elsewhere, with the command that installs it.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
PASSWORD = "pass-1234-word"  # every factory user's (tests/factories.py)


def accept_confirmations(context):
    """A final step asks once (``static/js/confirm.js``): a person reads it and says yes. The
    messages are kept on ``context.confirmations`` for the tests that check what was asked."""
    context.confirmations = []

    def accept(dialog):
        context.confirmations.append(dialog.message)
        dialog.accept()

    context.on("dialog", accept)
    return context


def _unavailable(reason):
    message = f"{reason} — install it with `sudo apt-get install chromium` (or run `make system-deps` as root)."
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests, closed before the rest of the suite runs."""
    if not CHROMIUM.exists():
        _unavailable(f"browser tests need Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("browser tests need the playwright Python package (pip install -e '.[dev]')")

    # Playwright's sync API keeps an event loop running in this thread, so Django would
    # refuse the tests' own ORM calls (factories, database flushes) as "async unsafe".
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone(browser, live_server):
    """A fresh phone-sized page (no cookies shared with other tests)."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    accept_confirmations(context)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def desktop(browser, live_server):
    """A fresh wide-screen page (no cookies shared with other tests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=live_server.url)
    accept_confirmations(context)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def log_in(page, username, password=PASSWORD):
    """Through the login form, as a person would; fails with the page's words if refused."""
    from django.urls import reverse

    page.goto(reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "/login/" not in page.url, "login failed: " + page.locator("main").inner_text()
