"""Health pages speak in words: an appeal's reason is the rule's explanation (the officer's admin and
the citizen's pass page), never its code; the declaration asks for a place by name from a picker of
GB/T 2260 names and stores its code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.areas import area_code_for, area_name, current_areas
from healthcode.models import Appeal, Stay
from tests.factories import sign_in_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(person_api, person):
    person_api.post("/api/v1/health/declarations/", {"symptoms": True, "note": "发热"}, format="json")
    answer = person_api.post("/api/v1/health/appeals/", {"reason": "误勾选了症状"}, format="json")
    assert answer.status_code == 201
    appeal = Appeal.objects.get()
    assert appeal.reasons_at_appeal == "symptoms"  # the code is stored …
    return appeal


def test_the_officer_reads_the_appeal_reason_in_words(client, officer, appeal):
    sign_in_with_second_factor(client, officer)
    page = client.get(f"/admin/healthcode/appeal/{appeal.pk}/change/").content.decode()
    assert "申诉时原因" in page and "symptoms" not in page  # … and never shown
    assert "症状" in page


def test_the_citizen_reads_the_appeal_reason_in_words(client, person, appeal):
    client.force_login(person)
    page = client.get("/health/").content.decode()
    assert 'data-testid="appeal-reasons"' in page and "症状" in page and "symptoms" not in page


def test_the_declaration_offers_places_by_name_and_stores_the_code(client, person):
    client.force_login(person)
    page = client.get("/health/declare/").content.decode()
    assert "地区代码" not in page and '<option value="济南市历下区">' in page and 'value="370102"' not in page
    now = timezone.localtime().replace(second=0, microsecond=0)
    answer = client.post("/health/declare/", {"area": "济南市历下区", "arrived_at": (now - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
                                               "left_at": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")})
    assert answer.status_code == 302 and answer.url.endswith("/health/")
    assert Stay.objects.get().area_code == "370102"


def test_a_place_not_in_the_list_is_refused_in_words(client, person):
    client.force_login(person)
    answer = client.post("/health/declare/", {"area": "不存在的地方", "arrived_at": "2026-01-01T10:00", "left_at": "2026-01-02T10:00"}, follow=True)
    assert "请从列表中选择去过的地区" in answer.content.decode() and not Stay.objects.exists()


def test_area_names_are_today_s_with_their_city():
    assert area_name("120110") == "天津市东丽区" and area_name("110105") == "北京市朝阳区"  # not "[-1991]东郊区" nor "市辖区…"
    names = [name for _code, name in current_areas()]
    assert "济南市历下区" in names and "北京市崇文区" not in names and len(names) == len(set(names))
    assert area_code_for("济南市历下区") == "370102" and area_code_for("370102") == "370102" and area_code_for("历下") == ""


def test_an_officer_declares_a_risk_area_by_name(client, officer, rules):
    from healthcode.models import RecomputeJob, RiskArea

    sign_in_with_second_factor(client, officer)
    form = client.get("/admin/healthcode/riskarea/add/").content.decode()
    assert 'list="area_code-areas"' in form and '<option value="济南市历下区">' in form
    now = timezone.localtime()
    answer = client.post("/admin/healthcode/riskarea/add/", {"area_code": "济南市历下区", "name": "某小区", "level": "high",
                                                             "starts_at_0": now.strftime("%Y-%m-%d"), "starts_at_1": now.strftime("%H:%M:%S")})
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    assert RiskArea.objects.get().area_code == "370102"
    listed = client.get("/admin/healthcode/riskarea/").content.decode()
    assert "济南市历下区" in listed and "370102" not in listed
    assert RecomputeJob.objects.get().reason == "风险区域：济南市历下区，高风险"
    refused = client.post("/admin/healthcode/riskarea/add/", {"area_code": "火星", "name": "x", "level": "high",
                                                              "starts_at_0": now.strftime("%Y-%m-%d"), "starts_at_1": "10:00:00"})
    assert refused.status_code == 200 and "请从列表中选择地区。" in refused.content.decode()
