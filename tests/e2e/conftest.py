"""Playwright driving Debian's Chromium (no browser download is possible on these machines)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


def launch(playwright, extra_args=(), **options):
    """A fresh Chromium profile (persistent contexts are the way to pass Debian's binary its flags)."""
    profile = tempfile.mkdtemp(prefix="qilu-chromium-")
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, args=ARGS + list(extra_args), headless=True, locale="zh-CN", viewport={"width": 412, "height": 915},
        **options,
    )
    context.profile_dir = profile
    # Every page of every test is watched for Content-Security-Policy violations (Chromium reports
    # each refused script, style or image on the console); a test ends with none.
    context.csp_violations = []

    def watch(page):
        page.on("console", lambda message: "Content Security Policy" in message.text and context.csp_violations.append(message.text))

    context.on("page", watch)
    return context


def close(context):
    violations = context.csp_violations
    context.close()
    shutil.rmtree(context.profile_dir, ignore_errors=True)
    assert violations == [], violations


@pytest.fixture(scope="session")
def browser(playwright):
    context = launch(playwright)
    yield context
    close(context)


@pytest.fixture
def page(browser):
    browser.clear_cookies()
    browser.csp_violations.clear()
    page = browser.new_page()
    yield page
    page.close()
    assert browser.csp_violations == [], browser.csp_violations


@pytest.fixture
def shot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


def sign_in(page, url: str, number: str, password: str | None = None) -> None:
    """The portal's sign-in form; for an account with an authenticator app (every staff account:
    identity.second_factor), then the code the app would show now."""
    import re

    from tests.factories import PASSWORD

    page.goto(url + "/accounts/login/")
    if page.locator("input[name=login]").count() == 0 and page.locator("header form[action='/accounts/logout/']").count():
        with page.expect_navigation():  # still signed in as someone else (a cookie set again after clearing): sign out first
            page.click("header form[action='/accounts/logout/'] button[type=submit]")
        page.goto(url + "/accounts/login/")
    page.fill("input[name=login]", number)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    if "/accounts/2fa/authenticate/" in page.url:
        page.fill("input[name=code]", current_code(number))
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"^(?!.*/accounts/2fa/authenticate/).*$"))


def current_code(number: str) -> str:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    from identity.demo import totp_code
    from identity.models import id_number_index

    authenticator = Authenticator.objects.get(user__id_number_index=id_number_index(number), type=Authenticator.Type.TOTP)
    return totp_code(decrypt(authenticator.data["secret"]))
