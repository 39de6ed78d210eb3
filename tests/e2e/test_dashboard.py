"""The yardstick dashboard in a real browser on the demo data: an item admin (with the authenticator
code) filters by department, the ECharts charts draw from static/ with no CSP violation, and the
public page shows the headline figures."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dashboard_draws_its_charts_and_filters(live_server, page, shot):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    numbers = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
    url = live_server.url
    sign_in(page, url, numbers["item_admin"], PASSWORD)
    page.goto(url + "/dashboard/")
    assert page.locator("[data-testid=chart-checks] svg").count() == 1  # drawn by ECharts
    assert page.locator("[data-testid=chart-departments] svg").count() == 1
    applications = page.inner_text("[data-testid=headline]")
    assert "秒批占比" in applications and "好评率" in applications
    shot("dashboard")
    page.select_option("select[name=department]", "SD-GAT")
    page.click("[data-testid=filters] button[type=submit]")
    page.wait_for_url("**department=SD-GAT**")
    assert page.inner_text("[data-key=good_rating_rate] td:nth-child(2)") == "50%"  # 李四's two ratings: one 非常满意, one 不满意
    page.goto(url + "/yardsticks/")
    assert "≥ 90%" in page.inner_text("[data-key=online_share_province]")


TEXTS = """selector => [...document.querySelectorAll(selector + ' svg text')].filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect(); return {text: t.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })"""


def overlapping(texts: list[dict]) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(texts) for b in texts[i + 1:]
            if a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1 and a["top"] < b["bottom"] - 1 and b["top"] < a["bottom"] - 1]


def test_charts_have_axes_dates_and_a_legend_that_overlaps_no_label(live_server, page, shot):
    """The health statistics chart (people by colour and day) and the dashboard's charts: axes with
    dates, a legend with the series' names in the page's language, and no text drawn over another,
    on a phone and on a desktop."""
    from tests.e2e.conftest import DESKTOP, PHONE

    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    numbers = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
    url = live_server.url
    sign_in(page, url, numbers["health_officer"], PASSWORD)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.goto(url + "/health/stats/")
        texts = page.evaluate(TEXTS, "[data-testid=chart]")
        words = {t["text"] for t in texts}
        assert {"绿码", "黄码", "红码", "人数", "日期"} <= words, words  # legend, y-axis name, x-axis name
        assert any(len(w) == 5 and w[2] == "-" and w.replace("-", "").isdigit() for w in words), words  # dates on the x-axis (MM-DD)
        assert overlapping(texts) == []
        shot(f"health-stats-chart-{name}")
    page.context.clear_cookies()
    sign_in(page, url, numbers["item_admin"], PASSWORD)
    page.goto(url + "/")
    page.click("header form.lang button")  # 中文 → English: the series are named in English
    page.wait_for_load_state()
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.goto(url + "/dashboard/")
        for chart in ("[data-testid=chart-checks]", "[data-testid=chart-departments]"):
            texts = page.evaluate(TEXTS, chart)
            assert texts and overlapping(texts) == [], (chart, overlapping(texts))
        departments = " ".join(t["text"] for t in page.evaluate(TEXTS, "[data-testid=chart-departments]"))
        assert "Application" in departments and "Overdue" in departments
        assert "Public Security" in departments and "山东省" not in departments  # departments by their English names
        assert {"Checks", "Date"} <= {t["text"] for t in page.evaluate(TEXTS, "[data-testid=chart-checks]")}
        shot(f"dashboard-charts-en-{name}")
