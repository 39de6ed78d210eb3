"""Playwright driving Debian's Chromium (no browser download is possible on these machines)."""

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import summaries

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parents[2] / "clients" / "typescript" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


class PageCheck:
    """Every page view of the e2e run, as the page check (pagecheck.js) reported it from the browser,
    every response of 500 or more the browsers saw, and every 5xx the live server logged. Each test
    fails at teardown on what its own page views broke (naming page, rule and nodes); the session's
    summary line counts them all."""

    def __init__(self):
        self.views: list[dict] = []
        self.responses: list[dict] = []  # status >= 500, as the browser saw them
        self.server_errors: list[dict] = []  # django.request's log records of 5xx responses
        self.test = "(no test)"
        self.in_test = False  # an e2e test is running (the logging handler sees every suite's requests)
        self.started = time.monotonic()

    def script(self) -> str:
        assert AXE.exists(), "run `make test` once: it installs the npm test tools (axe-core)"
        if not hasattr(self, "_script"):
            self._script = AXE.read_text() + "\n;\n" + Path(__file__).with_name("pagecheck.js").read_text()
        return self._script

    def report(self, _source, report: dict) -> None:
        report["test"] = self.test
        self.views.append(report)

    def response(self, response) -> None:
        if response.status >= 500:
            self.responses.append({"test": self.test, "url": response.url, "status": response.status})

    @staticmethod
    def problems(view: dict) -> list[str]:
        """What is wrong with one page view, in words a person fixing it can act on."""
        found = [f"axe {v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'])}" for v in view.get("axe") or []]
        for key in ("axeError", "error"):
            if view.get(key):
                found.append(f"the check did not run: {view[key]}")
        sideways = view.get("sideways") or {}
        if sideways.get("scrollWidth", 0) > view["width"]:
            found.append(f"scrolls sideways: {sideways['scrollWidth']} px wide in a {view['width']} px viewport — {', '.join(sideways.get('culprits') or [])}")
        elif sideways.get("scrollWidth200", 0) > view["width"]:
            found.append(f"scrolls sideways at 200 % text: {sideways['scrollWidth200']} px wide in a {view['width']} px viewport — "
                         f"{', '.join(sideways.get('culprits200') or [])}")
        found += [f"identifier-shaped text ({i['rule']}) {i['text']!r} in {i['node']}: «{i['context']}»" for i in view.get("identifiers") or []]
        return found

    @staticmethod
    def mode(view: dict) -> str:
        width = "phone" if view["width"] <= 480 else "desktop" if view["width"] >= 1024 else "tablet"
        return f"{view['lang'] or '?'} {'长辈版' if view['elder'] else 'standard'} {width}"

    def failures(self, test: str) -> list[str]:
        lines = [f"{urlsplit(v['url']).path} [{self.mode(v)}]: {problem}" for v in self.views if v["test"] == test for problem in self.problems(v)]
        lines += [f"{r['url']}: HTTP {r['status']} seen by the browser" for r in self.responses if r["test"] == test]
        lines += [f"{e['path']}: HTTP {e['status']} in the live server's log: {e['message']}" for e in self.server_errors if e["test"] == test]
        return lines

    def take(self, test: str, url_prefix: str) -> list[dict]:
        """Remove and return this test's views (and 5xx responses) of a URL: for a test that makes
        the check fail on purpose."""
        taken = [v for v in self.views if v["test"] == test and v["url"].startswith(url_prefix)]
        self.views = [v for v in self.views if v not in taken]
        taken += [r for r in self.responses if r["test"] == test and r["url"].startswith(url_prefix)]
        self.responses = [r for r in self.responses if r not in taken]
        return taken

    def totals(self) -> dict:
        return {"views": len(self.views), "pages": sorted({urlsplit(v["url"]).path for v in self.views}),
                "modes": sorted({self.mode(v) for v in self.views}),
                "violations": sum(len(self.problems(v)) for v in self.views) + len(self.responses) + len(self.server_errors),
                "seconds": sum(v.get("ms", 0) for v in self.views) / 1000, "late": sum(1 for v in self.views if not v.get("axeSync")),
                "cached": sum(1 for v in self.views if v.get("axeCached"))}

    def summary(self) -> str:
        return summaries.page_check_line(self.totals())


class ServerErrors(logging.Handler):
    """The live server's log: Django logs every 5xx response on django.request."""

    def __init__(self, check: PageCheck):
        super().__init__(level=logging.ERROR)
        self.check = check

    def emit(self, record):
        status = getattr(record, "status_code", None) or 500
        if status >= 500 and self.check.in_test:  # not the 500s other suites provoke on purpose
            request = getattr(record, "request", None)
            self.check.server_errors.append({"test": self.check.test, "status": status, "path": getattr(request, "path", "?"),
                                             "message": record.getMessage()[:300]})


PAGE_CHECK = PageCheck()
_server_log = ServerErrors(PAGE_CHECK)
logging.getLogger("django.request").addHandler(_server_log)


@pytest.fixture(autouse=True)
def page_check(request):
    """The page check of this test's page views: fails the test at teardown naming page, rule and nodes."""
    PAGE_CHECK.test, PAGE_CHECK.in_test = request.node.nodeid, True
    yield PAGE_CHECK
    failures = PAGE_CHECK.failures(request.node.nodeid)
    PAGE_CHECK.test, PAGE_CHECK.in_test = "(between tests)", False
    if failures:
        pytest.fail("page check:\n" + "\n".join(failures[:40]) + (f"\n… and {len(failures) - 40} more" if len(failures) > 40 else ""), pytrace=False)


@pytest.hookimpl(tryfirst=True)  # before tests/conftest.py hands this process's figures to the xdist controller
def pytest_sessionfinish(session):
    if not PAGE_CHECK.views:
        return
    summaries.record(session.config, "page_check", PAGE_CHECK.totals())
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / (f"page-check.{worker}.json" if worker else "page-check.json")).write_text(json.dumps(
        {"summary": PAGE_CHECK.summary(), "responses_5xx": PAGE_CHECK.responses, "server_errors": PAGE_CHECK.server_errors,
         "views": [{**v, "problems": PAGE_CHECK.problems(v)} for v in PAGE_CHECK.views]}, ensure_ascii=False, indent=1))


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


def launch(playwright, extra_args=(), **options):
    """A fresh Chromium profile (persistent contexts are the way to pass Debian's binary its flags), a
    390 px phone unless told otherwise, with the page check on every document it loads."""
    profile = tempfile.mkdtemp(prefix="qilu-chromium-")
    options.setdefault("viewport", PHONE)
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, args=ARGS + list(extra_args), headless=True, locale="zh-CN", **options,
    )
    if os.environ.get("QILU_PAGE_CHECK", "on") != "off":  # off: only to measure what the check costs
        context.expose_binding("__qiluPageCheck", PAGE_CHECK.report)
        context.add_init_script(script=PAGE_CHECK.script())
    context.on("response", PAGE_CHECK.response)
    context.profile_dir = profile
    # Every page of every test is watched for Content-Security-Policy violations (Chromium reports
    # each refused script, style or image on the console); a test ends with none.
    context.csp_violations = []

    def watch(page):
        page.on("console", lambda message: "Content Security Policy" in message.text and context.csp_violations.append(f"{page.url}: {message.text}"))

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
        # A shot often follows a click that navigates; Chromium refuses a capture while the new
        # document commits ("Unable to capture screenshot"). Waiting for "load" right after the click
        # can still see the old document, so a refused shot waits a moment, then for the new
        # document's load, and is tried again (three tries; a refusal that persists fails the test).
        from playwright.sync_api import Error

        path = str(ARTIFACTS / f"{name}.png")
        for attempt in range(3):
            page.wait_for_load_state("load")
            try:
                page.screenshot(path=path, full_page=True)
                return
            except Error as error:
                if attempt == 2 or "Unable to capture screenshot" not in str(error):
                    raise
                page.wait_for_timeout(300)

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
    for attempt in range(2):
        if "/accounts/2fa/authenticate/" not in page.url:
            break
        if attempt:  # the code was refused: on a loaded machine its 30 s window can close before it arrives; take the next one
            time.sleep(30 - time.time() % 30 + 0.5)
        page.fill("input[name=code]", current_code(number))
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/2fa/authenticate/).*$"))


def current_code(number: str) -> str:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    from identity.demo import totp_code
    from identity.models import id_number_index

    authenticator = Authenticator.objects.get(user__id_number_index=id_number_index(number), type=Authenticator.Type.TOTP)
    return totp_code(decrypt(authenticator.data["secret"]))
