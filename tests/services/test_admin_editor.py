"""The item admin's structured editor: an item version's form fields and 秒批 rules are entered through
labelled inputs (no JSON), keys the editor does not show survive an edit, a wrong form is refused in
words, and fees are entered and shown in 元 while stored in 分."""

from __future__ import annotations

import re

import pytest

from services.models import ItemVersion, ServiceItem
from tests.factories import UserFactory, sign_in_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def item_admin(client):
    admin = UserFactory(roles=["item_admin"], is_staff=True)
    sign_in_with_second_factor(client, admin)
    return admin


@pytest.fixture
def draft():
    item = ServiceItem.objects.get(code="GA-005")
    version = item.versions.order_by("-version").first()
    return ItemVersion.objects.create(item=item, version=version.version + 1, legal_basis="依据", who_may_apply="居民", steps="申请\n审核",
                                      time_limit_days=5, form_schema=[{"key": "phone", "label": "联系电话", "type": "phone", "prefill": "identity.phone"}])


def post_data(draft, **changes):
    data = {
        "item": draft.item_id, "version": draft.version, "legal_basis": "依据", "who_may_apply": "居民", "conditions": "", "steps": "申请\n审核",
        "time_limit_days": 5, "fees": "按件收费", "fee_yuan": "12.50", "fee_per_unit_yuan": "0.3", "fee_unit_field": "", "window_address": "",
        "window_hours": "", "result_credential_type": "", "result_validity_years": "",
        "form_schema-count": "3",
        "form_schema-0-label": "联系电话", "form_schema-0-key": "phone", "form_schema-0-type": "phone", "form_schema-0-required": "on",
        "form_schema-0-extra": '{"prefill": "identity.phone"}',
        "form_schema-1-label": "用途", "form_schema-1-label_en": "Purpose", "form_schema-1-key": "", "form_schema-1-type": "choice",
        "form_schema-1-choices": "就业\n出国（境）", "form_schema-1-required": "on", "form_schema-1-help": "选择一项", "form_schema-1-help_en": "Choose one",
        "form_schema-2-label": "", "form_schema-2-type": "text", "form_schema-2-required": "on",
        "approval_rules-count": "2",
        "approval_rules-0-name": "年满十八周岁", "approval_rules-0-kind": "applicant_age", "approval_rules-0-op": "gte", "approval_rules-0-value": "18",
        "approval_rules-1-name": "", "approval_rules-1-kind": "field", "approval_rules-1-op": "eq",
        "materials-TOTAL_FORMS": "0", "materials-INITIAL_FORMS": "0", "materials-MIN_NUM_FORMS": "0", "materials-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_the_change_form_shows_labelled_inputs_not_json(client, item_admin, draft):
    page = client.get(f"/admin/services/itemversion/{draft.pk}/change/").content.decode()
    assert 'name="form_schema-0-label" value="联系电话"' in page and 'for="id_form_schema-0-label"' in page
    assert "手机号码" in page and "申请人年龄满足条件" in page  # types and rule kinds in words
    assert 'name="fee_yuan"' in page and 'name="fee_fen"' not in page
    assert "[{" not in page  # no JSON anywhere an admin would read it


def test_fields_and_rules_entered_through_the_editor_are_saved_as_the_schema(client, item_admin, draft):
    response = client.post(f"/admin/services/itemversion/{draft.pk}/change/", post_data(draft))
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    draft.refresh_from_db()
    assert draft.form_schema == [
        {"key": "phone", "label": "联系电话", "type": "phone", "prefill": "identity.phone"},
        {"key": "field_2", "label": "用途", "label_en": "Purpose", "type": "choice", "choices": ["就业", "出国（境）"], "help": "选择一项",
         "help_en": "Choose one"},
    ]
    assert draft.approval_rules == [{"name": "年满十八周岁", "kind": "applicant_age", "op": "gte", "value": 18}]
    assert (draft.fee_fen, draft.fee_per_unit_fen) == (1250, 30)


def test_a_removed_field_goes_and_an_optional_one_says_so(client, item_admin, draft):
    response = client.post(f"/admin/services/itemversion/{draft.pk}/change/", post_data(draft, **{
        "form_schema-0-DELETE": "on", "form_schema-1-required": ""}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert [(f["label"], f.get("required", True)) for f in draft.form_schema] == [("用途", False)]


def test_a_wrong_form_is_refused_in_words(client, item_admin, draft):
    response = client.post(f"/admin/services/itemversion/{draft.pk}/change/", post_data(draft, **{
        "form_schema-1-key": "phone", "form_schema-1-choices": ""}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "“联系电话”和“用途”使用了相同的字段标识 phone。" in page
    draft.refresh_from_db()
    assert draft.fee_fen == 0


def test_a_published_version_shows_its_form_and_fees_in_words(client, item_admin):
    version = ServiceItem.objects.get(code="GA-005").current_version
    page = client.get(f"/admin/services/itemversion/{version.pk}/change/").content.decode()
    assert "收费（元）" in page and "（单行文字" not in page or "（" in page
    assert 'name="form_schema' not in page and "[{" not in page


def editor_inputs(name: str, entries: list[dict], shown: tuple[str, ...]) -> dict:
    """What the editor's inputs hold for ``entries``, as a browser would post them back unchanged."""
    import json

    data = {f"{name}-count": str(len(entries))}
    for i, entry in enumerate(entries):
        for key in shown:
            value = entry.get(key, True if key == "required" else "")
            if key == "required":
                value = "on" if value else ""
            elif isinstance(value, list):
                value = "\n".join(value)
            data[f"{name}-{i}-{key}"] = value
        extra = {k: v for k, v in entry.items() if k not in shown}
        data[f"{name}-{i}-extra"] = json.dumps(extra, ensure_ascii=False) if extra else ""
    return data


def test_a_credential_types_fields_go_through_the_same_editor_and_survive_a_save(client):
    from credentials.models import CredentialType

    admin = UserFactory(is_staff=True, is_superuser=True)
    sign_in_with_second_factor(client, admin)
    kind = CredentialType.objects.get(code="driving_licence")
    before = kind.field_schema
    page = client.get(f"/admin/credentials/credentialtype/{kind.pk}/change/").content.decode()
    assert 'name="field_schema-0-label"' in page and "[{" not in page
    data = {"name": kind.name, "name_en": kind.name_en, "code": kind.code, "holder_kind": kind.holder_kind, "department": kind.department_id or "",
            "type_code": kind.type_code, "validity_years": kind.validity_years or "", "colour": kind.colour, "is_active": "on",
            "issuers": [str(pk) for pk in kind.issuers.values_list("pk", flat=True)],
            **editor_inputs("field_schema", before, ("label", "label_en", "key", "type", "required", "choices", "help", "help_en"))}
    response = client.post(f"/admin/credentials/credentialtype/{kind.pk}/change/", data)
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    kind.refresh_from_db()
    assert [{k: v for k, v in f.items() if k != "required" or v is False} for f in kind.field_schema] == \
           [{k: v for k, v in f.items() if k != "required" or v is False} | {"type": f.get("type", "text")} for f in before]


def test_an_incomplete_approval_rule_is_refused_in_words(client, item_admin, draft):
    response = client.post(f"/admin/services/itemversion/{draft.pk}/change/", post_data(draft, **{
        "approval_rules-1-name": "持有驾驶证", "approval_rules-1-kind": "credential_valid", "approval_rules-1-type": ""}))
    assert response.status_code == 200
    assert "秒批规则“持有驾驶证”不完整：持有有效证照需要填写证照类型。" in response.content.decode()
