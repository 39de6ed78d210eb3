"""A benefit's period is shown in words in the page's language — 2026年第四季度 / Q4 2026, 2026年12月 /
December 2026 — on 免申即享 pages, the home's 待办 card and the API's ``period_label``; its key
(2026-Q4) is never shown to the person (``benefits.periods.period_words``, the one formatter)."""

import datetime as dt

import pytest
from django.utils import translation

from benefits import services
from benefits.models import Entitlement
from benefits.periods import period_words
from core.usecases import SYSTEM
from tests.benefits.conftest import DAY, person
from tests.factories import api_as


@pytest.mark.parametrize(("label", "zh", "en"), [
    ("2026-Q4", "2026年第四季度", "Q4 2026"),
    ("2027-Q1", "2027年第一季度", "Q1 2027"),
    ("2026-12", "2026年12月", "December 2026"),
    ("2027-01", "2027年1月", "January 2027"),
    ("2026", "2026年", "2026"),
    ("2026-Q4-bench", "2026-Q4-bench", "2026-Q4-bench"),  # not a period's key: as it is
])
def test_each_kind_of_period_in_both_languages(label, zh, en):
    with translation.override("zh-hans"):
        assert period_words(label) == zh
    with translation.override("en"):
        assert period_words(label) == en


@pytest.fixture
def matched(published, policy, client):
    record = person(dt.date(1950, 6, 1), account=True)
    services.match_run(actor=SYSTEM, policy=policy, day=DAY)  # the quarterly elderly allowance: 2026-Q4
    entitlement = Entitlement.objects.get()
    client.force_login(entitlement.user)
    assert entitlement.period == "2026-Q4" and record
    return entitlement


def test_pages_and_the_home_card_show_the_period_in_words(matched, client):
    pages = [client.get(path).content.decode() for path in ("/", "/benefits/", f"/benefits/{matched.pk}/")]
    assert all("2026年第四季度" in page and "2026-Q4" not in page for page in pages)
    client.cookies["django_language"] = "en"
    pages = [client.get(path).content.decode() for path in ("/", "/benefits/", f"/benefits/{matched.pk}/")]
    assert all("Q4 2026" in page and "2026-Q4" not in page for page in pages)


def test_the_api_gives_the_key_and_the_words(matched):
    client = api_as(matched.user)
    [mine] = client.get("/api/v1/benefits/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (mine["period"], mine["period_label"]) == ("2026-Q4", "Q4 2026")
    [mine] = client.get("/api/v1/benefits/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert mine["period_label"] == "2026年第四季度"


def test_why_i_qualify_is_punctuated_in_the_pages_language(matched, client):
    assert "✓ 符合：年龄 ≥ 65" in client.get(f"/benefits/{matched.pk}/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(f"/benefits/{matched.pk}/").content.decode()
    assert "✓ met: Age ≥ 65" in english and '<dd lang="zh-Hans">65–69' in english  # the benefit, written in Chinese only, is marked so
    assert f'Legal basis: <span lang="zh-Hans">{matched.version.policy.legal_basis}</span>' in english  # the law's name too
