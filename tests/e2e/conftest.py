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
