"""Service pages speak in words: a reviewer's refusal names the field by its label, not its key; the
一件事 form says which items a question is for by their names, not their codes; an item's form shows
its English labels and help in English; a downloaded material is named "<material name>.<ext>"."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from services.models import Bundle, BundlePart, ServiceItem
from tests.factories import sign_in_with_second_factor
from tests.services.test_lifecycle import _png_file, apply

pytestmark = pytest.mark.django_db


def messages_of(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'<li class="[^"]*error[^"]*"[^>]*>(.*?)</li>', page, re.S)]


def test_a_reviewers_refusal_names_the_field_by_its_label(client, holder_api, reviewer):
    number = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()["number"]
    sign_in_with_second_factor(client, reviewer)
    client.post(f"/services/workbench/{number}/", {"action": "claim"})
    page = client.post(f"/services/workbench/{number}/", {"action": "supplement", "comment": ""}, follow=True).content.decode()
    assert "comment:" not in page and "comment：" not in page
    assert any(m.startswith("意见：") for m in messages_of(page)), messages_of(page)


def test_the_bundle_form_says_which_items_by_name(client, holder):
    bundle = Bundle.objects.create(code="licence-and-record", name="驾驶证补领与无犯罪记录证明一件事")
    first = BundlePart.objects.create(bundle=bundle, item=ServiceItem.objects.get(code="GA-007"), position=0)
    BundlePart.objects.create(bundle=bundle, item=ServiceItem.objects.get(code="GA-002"), position=1, after=first)
    client.force_login(holder)
    page = client.get(f"/services/bundles/{bundle.code}/apply/").content.decode()
    assert not re.search(r"\b[A-Z]{2}-\d{3}\b", page)
    assert "用于：" in page and ServiceItem.objects.get(code="GA-002").name in page


def test_an_items_form_is_in_english_on_an_english_page(client, holder):
    version = ServiceItem.objects.get(code="GA-007").current_version
    schema = [{**f, "label_en": "Purpose", "help_en": "What the certificate is for"} if f["key"] == "purpose" else f for f in version.form_schema]
    type(version).objects.filter(pk=version.pk).update(form_schema=schema)  # as a new version would carry them
    client.force_login(holder)
    client.cookies["django_language"] = "en"
    page = client.get("/services/items/GA-007/apply/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'for="f-purpose">Purpose' in page and "What the certificate is for" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/services/items/GA-007/apply/").content.decode()
    assert 'for="f-purpose">用途' in page and "Purpose" not in page


def test_a_downloaded_material_is_named_by_the_material(holder_api, reviewer_api):
    number = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()["number"]
    reviewer_api.post(f"/api/v1/workbench/{number}/claim/", {}, format="json")
    reviewer_api.post(f"/api/v1/workbench/{number}/supplement/", {"comment": "请上传身体条件证明"}, format="json")
    upload = holder_api.post("/api/v1/uploads/", {"file": _png_file("IMG_0001.png")}, format="multipart").json()
    material = ServiceItem.objects.get(code="GA-001").current_version.materials.get(name="身体条件证明")
    holder_api.post(f"/api/v1/applications/{number}/resubmit/", {"uploads": {str(material.pk): upload["id"]}}, format="json")
    answer = holder_api.get(f"/api/v1/uploads/{upload['id']}/")
    assert answer.status_code == 200
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment; ") and f"filename*=UTF-8''{quote('身体条件证明.png')}" in disposition
    assert upload["id"].replace("-", "") not in disposition and 'filename="' in disposition


def test_a_file_not_yet_attached_keeps_its_own_name(holder_api):
    upload = holder_api.post("/api/v1/uploads/", {"file": _png_file("户口本首页.png")}, format="multipart").json()
    disposition = holder_api.get(f"/api/v1/uploads/{upload['id']}/")["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('户口本首页.png')}" in disposition
