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
