"""The policy yardsticks (portal/yardsticks.py) equal the same figures counted independently here,
row by row in Python, on data made through the use cases; the dashboard filters, exports CSV and XLSX,
and is for item admins and auditors; the public page shows the headline."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from django.test import Client

from credentials.models import Credential, Verification
from healthcode.models import PassCheck
from portal import yardsticks
from services.models import Application, Rating, Region, ServiceItem, Transition
from services.services.ratings import rating_submit
from services.services.workflow import application_claim, application_review
from tests.factories import UserFactory, sign_in_with_second_factor
from tests.services.test_lifecycle import apply


@pytest.fixture
def activity(holder_api, holder, reviewer):
    instant = apply(holder_api, "JT-001", seats="5").json()  # 秒批
    manual = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()
    waiting = apply(holder_api, "GA-002", reason="丢失", delivery_address="济南市").json()
    application = application_claim(actor=reviewer, application=Application.objects.get(number=manual["number"]))
    application_review(actor=reviewer, application=application, action="reject", comment="照片不符")
    Application.objects.filter(number=waiting["number"]).update(overdue=True)
    rating_submit(actor=holder, application=Application.objects.get(number=manual["number"]), level=2)
    rating_submit(actor=holder, application=Application.objects.get(number=instant["number"]), level=5)
    for valid in (True, False):
        PassCheck.objects.create(checker=reviewer, valid=valid, reason="ok" if valid else "expired")
    return instant, manual, waiting


def expected(department: str = "") -> dict:
    """Counted the slow way: every row, in Python."""
    applications = [a for a in Application.objects.select_related("department", "item") if not department or a.department.code == department]
    decided = [a for a in applications if a.status in ("approved", "completed", "rejected")]
    by_rules = [a for a in applications
                if any(t.to_status == "approved" and t.actor_id is None for t in Transition.objects.filter(application=a))]
    counts = Counter(a.item_id for a in applications)
    top = [ServiceItem.objects.get(pk=pk) for pk, _n in counts.most_common(100)]
    ratings = [r for r in Rating.objects.select_related("department") if not department or r.department.code == department]
    items = [i for i in ServiceItem.objects.filter(is_active=True).select_related("region", "department") if not department or i.department.code == department]
    province = [i for i in items if i.region.level == Region.Level.PROVINCE]
    local = [i for i in items if i.region.level != Region.Level.PROVINCE]
    return {
        "applications": len(applications), "decided": len(decided), "decided_by_rules": len(by_rules),
        "materials_required": sum(a.materials_total for a in applications), "materials_saved": sum(a.materials_saved for a in applications),
        "overdue": sum(a.overdue for a in applications),
        "median": statistics.median([(a.decided_at - a.created_at).total_seconds() for a in decided]) if decided else None,
        "top": len(top), "top_one_trip": sum(i.at_most_one_trip for i in top),
        "ratings": len(ratings), "good": sum(r.level >= 4 for r in ratings),
        "province": (len(province), sum(i.online for i in province)), "local": (len(local), sum(i.online for i in local)),
    }


def test_every_figure_equals_an_independent_count(activity):
    want = expected()
    got = yardsticks.compute()
    assert (got.applications, got.decided, got.decided_by_rules) == (want["applications"], want["decided"], want["decided_by_rules"]) == (3, 2, 1)
    assert (got.materials_required, got.materials_saved, got.overdue) == (want["materials_required"], want["materials_saved"], want["overdue"])
    assert got.median_decision_seconds == pytest.approx(want["median"])
    assert (got.top_items, got.top_items_one_trip) == (want["top"], want["top_one_trip"])
    assert (got.ratings, got.good_ratings) == (want["ratings"], want["good"]) == (2, 1)
    assert (got.items_online["province"]["items"], got.items_online["province"]["online"]) == want["province"]
    assert (got.items_online["local"]["items"], got.items_online["local"]["online"]) == want["local"]
    assert got.credentials_issued == Credential.objects.count() and got.credentials_verified == Verification.objects.count()
    assert sum(n for _day, n in got.checks_by_day) == 2 and got.checks_by_day[-1][1] == 2
    headline = got.headline
    assert headline["instant_approval_share"] == 0.5 and headline["good_rating_rate"] == 0.5
    assert headline["materials_saved_share"] == round(want["materials_saved"] / want["materials_required"], 4)


def test_a_department_filter_counts_only_its_own(activity):
    want = expected("SD-GAT")
    got = yardsticks.compute(department="SD-GAT")
    assert (got.applications, got.decided, got.decided_by_rules, got.ratings) == (want["applications"], want["decided"], want["decided_by_rules"],
                                                                                   want["ratings"]) == (2, 1, 0, 1)
    assert [row["code"] for row in got.by_department] == ["SD-GAT"]


def test_the_dashboard_is_for_item_admins_and_auditors_and_exports(activity, citizen):
    browser = Client()
    browser.force_login(citizen)
    assert browser.get("/dashboard/").status_code == 403
    admin = UserFactory(roles=["item_admin"], is_staff=True)
    sign_in_with_second_factor(browser, admin)
    page = browser.get("/dashboard/?department=SD-GAT&from=2020-01-01")
    assert page.status_code == 200 and 'data-key="instant_approval_share"' in page.content.decode()
    assert "vendor/echarts/echarts.common.min.js" in page.content.decode()
    csv = browser.get("/dashboard/?export=csv").content.decode("utf-8-sig")
    assert "秒批占比,0.5" in csv and "好评率,0.5" in csv
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(browser.get("/dashboard/?export=xlsx").content)).active
    assert ("秒批占比", 0.5) in [tuple(row[:2]) for row in sheet.iter_rows(values_only=True)]
    public = Client().get("/yardsticks/").content.decode()
    assert 'data-key="materials_saved_share"' in public and "≥ 60%" in public


def test_the_dashboard_names_departments_in_the_pages_language(activity):
    browser = Client()
    sign_in_with_second_factor(browser, UserFactory(roles=["item_admin"], is_staff=True))
    chinese = browser.get("/dashboard/").context["chart"]["departments"]
    browser.cookies["django_language"] = "en"
    english = browser.get("/dashboard/")
    assert [row["name"] for row in chinese] == ["山东省公安厅", "山东省交通运输厅"]
    assert [row["name"] for row in english.context["chart"]["departments"]] == [
        "Shandong Provincial Department of Public Security", "Shandong Provincial Department of Transport"]
    assert "山东省公安厅" not in english.content.decode()  # the chart's data and the department filter
    assert "Shandong Provincial Department of Public Security,2," in browser.get("/dashboard/?export=csv").content.decode("utf-8-sig")
