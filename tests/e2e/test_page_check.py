"""The page check (conftest.PageCheck, pagecheck.js) that runs on every page view of the e2e suite is
real: control pages with each kind of violation make it fail, a clean page passes, and on the portal
it runs under the pages' own Content-Security-Policy (which still reports their own violations)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e]

CONTROL = "http://control.qilu.test"
PAGE = "<!DOCTYPE html><html lang='en'><head><title>control</title></head><body><main><h1>Control</h1>{}</main></body></html>"
CONTROLS = {
    "/clean/": "<p>Nothing wrong: 370102********123X, <code>GA-005</code>, <span data-ident>holder_number</span>, 250000.</p>",
    "/axe/": "<input type='text'><img src='x.png'>",
    "/wide/": "<div style='width:600px'>wide</div>",
    "/wide-at-200/": "<div style='width:20rem'>fits at 100 % text, not at 200 %</div>",
    "/hex/": "<p>以 7f5083e1c2d4b6a8f0e1d2c3b4a59687 成功登录。</p>",
    "/snake/": "<p>address、holder_name、holder_number</p>",
    "/item-code/": "<p>WJ-001、GA-005</p>",
    "/region/": "<p>地区代码 370102</p>",
    "/api-path/": "<p>请访问 /api/v1/notices/ 或 /_allauth/browser/v1/</p>",
    "/period-key/": "<p>2026-Q4 · 225.00 元</p>",
    "/hidden/": "<p hidden>holder_number 370102 /api/v1/</p><p>Shown.</p>",
    "/english-in-chinese/": "<div lang='zh-Hans'><p>切换到 <span lang='en'>English</span>，用 Apple 设备的通行密钥</p><p>使用 passkey 登录</p></div>",
}


@pytest.fixture
def controls(page):
    def serve(route):
        path = route.request.url.removeprefix(CONTROL)
        if path == "/boom/":
            return route.fulfill(status=500, content_type="text/html", body=PAGE.format("<p>Server error</p>"))
        if path not in CONTROLS:
            return route.fulfill(status=404, content_type="text/plain", body="")
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGE.format(CONTROLS[path]))

    page.route(CONTROL + "/**", serve)
    return page


def test_each_kind_of_violation_fails_the_check_and_a_clean_page_passes(controls, page_check, request):
    page = controls
    problems = {}
    for path in [*CONTROLS, "/boom/"]:
        page.goto(CONTROL + path)
        views = page_check.take(request.node.nodeid, CONTROL + path)
        page_views = [v for v in views if "ms" in v]
        assert path == "/boom/" or (len(page_views) == 1 and page_views[0]["axeSync"]), (path, views)  # ran, before goto returned
        problems[path] = [p for v in page_views for p in page_check.problems(v)] + [f"HTTP {v['status']}" for v in views if "status" in v]
    assert problems["/clean/"] == [] and problems["/hidden/"] == []
    assert any("axe label (critical)" in p for p in problems["/axe/"]) and any("image-alt" in p for p in problems["/axe/"])
    assert any(p.startswith("scrolls sideways: ") and "div" in p for p in problems["/wide/"]), problems["/wide/"]
    assert [p for p in problems["/wide-at-200/"] if p.startswith("scrolls sideways at 200 % text")]
    assert not [p for p in problems["/wide-at-200/"] if p.startswith("scrolls sideways: ")]
    for path, rule in (("/hex/", "hex-id"), ("/snake/", "snake_case-key"), ("/item-code/", "item-code"), ("/region/", "region-code"),
                       ("/api-path/", "api-path"), ("/period-key/", "period-key"), ("/english-in-chinese/", "english-word-on-a-chinese-page")):
        assert any(f"({rule})" in p for p in problems[path]), (path, problems[path])
    assert len(problems["/english-in-chinese/"]) == 1 and "'passkey'" in problems["/english-in-chinese/"][0]
    print(problems)
    assert "HTTP 500" in problems["/boom/"]


def test_the_check_runs_under_the_portals_content_security_policy(live_server, page, page_check, request):
    page.goto(live_server.url + "/")
    views = [v for v in page_check.views if v["test"] == request.node.nodeid]
    assert len(views) == 1 and views[0]["axeSync"] and "axeError" not in views[0] and views[0]["width"] == 390
    # the pages' own violations are still reported: an inline script is refused and the watch sees it
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1'; document.body.append(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.inlineRan") is None
    assert page.context.csp_violations
    page.context.csp_violations.clear()


def test_a_5xx_in_the_live_servers_log_fails_the_test_that_caused_it(page_check, request):
    import logging

    from django.test import RequestFactory

    logging.getLogger("django.request").error("Internal Server Error: /boom/", extra={"status_code": 500, "request": RequestFactory().get("/boom/")})
    logging.getLogger("django.request").warning("Not Found: /nothing/", extra={"status_code": 404, "request": RequestFactory().get("/nothing/")})
    failures = page_check.failures(request.node.nodeid)
    assert failures == ["/boom/: HTTP 500 in the live server's log: Internal Server Error: /boom/"]
    page_check.server_errors = [e for e in page_check.server_errors if e["test"] != request.node.nodeid]


def test_an_identical_document_reuses_its_axe_result_and_still_fails(controls, page_check, request):
    controls.goto(CONTROL + "/clean/")
    controls.evaluate("localStorage.clear()")  # the session's browser may have seen /axe/ in another test
    page_check.take(request.node.nodeid, CONTROL)
    for _ in range(2):
        controls.goto(CONTROL + "/axe/")
    first, second = [v for v in page_check.take(request.node.nodeid, CONTROL + "/axe/") if "ms" in v]
    assert not first.get("axeCached") and second["axeCached"] and second["axe"] == first["axe"] and page_check.problems(second)
