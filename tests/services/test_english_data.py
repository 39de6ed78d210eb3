"""English pages and answers show English data: item, theme, life-event, department and credential
type names in the language asked for; the official Chinese name stays available (name_zh)."""

import re

import pytest

from services.models import ServiceItem

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_api_answers_names_in_the_language_asked_for(api):
    english = api.get("/api/v1/items/", {"page_size": 100}, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    chinese = api.get("/api/v1/items/", {"page_size": 100}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]
    assert english and all(not CJK.search(item["name"]) and not CJK.search(item["department"]) for item in english)
    assert [item["name_zh"] for item in english] == [item["name"] for item in chinese]
    detail = api.get("/api/v1/items/GA-001/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert detail["name"] == "Driving licence renewal on expiry" and all(not CJK.search(c) for c in detail["categories"])


def test_an_item_without_an_english_name_falls_back_to_the_official_one(api):
    ServiceItem.objects.filter(code="GA-002").update(name_en="")
    from services.selectors import CATALOGUE

    CATALOGUE.bump()
    assert api.get("/api/v1/items/GA-002/", HTTP_ACCEPT_LANGUAGE="en").json()["name"] == "机动车驾驶证补领"


def test_the_english_catalogue_page_has_no_chinese_names(client, citizen):
    client.force_login(citizen)
    client.cookies["django_language"] = "en"
    page = client.get("/services/").content.decode()
    names = re.findall(r'data-testid="item-link">([^<]+)<', page)
    assert names and not [name for name in names if CJK.search(name)]
    chips = re.findall(r'<a href="\?category=\d+"[^>]*>([^<]+)</a>', page)
    assert chips and not [chip for chip in chips if CJK.search(chip)]
    guide = client.get("/services/items/GA-001/").content.decode()
    assert "Driving licence renewal on expiry" in guide and "Shandong Provincial Department of Public Security" in guide


def test_the_spreadsheet_export_and_import_carry_both_names():
    import tablib

    from services.admin import ServiceItemResource

    dataset = tablib.Dataset().load(ServiceItemResource().export().export("xlsx"), format="xlsx")
    assert {"name", "name_en"} <= set(dataset.headers)
    code, english = dataset.headers.index("code"), dataset.headers.index("name_en")
    rows = [list(row) for row in dataset]
    assert rows[0][english]  # the demo's English names travel
    rows[0][english] = "Renewed English name"
    ServiceItemResource().import_data(tablib.Dataset(*rows, headers=dataset.headers), dry_run=False, raise_errors=True)
    assert ServiceItem.objects.get(code=rows[0][code]).name_en == "Renewed English name"
