"""The electronic receipt (非税收入电子票据) of a paid order, issued into the payer's wallet by the
finance department's receipt system, so it verifies with the published keys like any credential."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.usecases import step
from credentials.models import Credential, CredentialType, HolderKind
from credentials.services import credential_issue, credential_set_status
from identity import demo
from identity.models import ApiClient, Department

FINANCE = ("SD-CZT", "山东省财政厅", "Shandong Provincial Department of Finance", demo.credit_code("370000", 29, "1", "1"))
SCHEMA = [
    {"key": "receipt_number", "label": "票据号码", "label_en": "Receipt number", "type": "text"},
    {"key": "item", "label": "收费项目", "label_en": "Fee", "type": "text"},
    {"key": "amount", "label": "金额（元）", "label_en": "Amount (yuan)", "type": "text"},
    {"key": "paid_on", "label": "交款日期", "label_en": "Paid on", "type": "date"},
    {"key": "reference", "label": "业务编号", "label_en": "Reference", "type": "text"},
]


@step
def receipt_issuer() -> ApiClient:
    code, name, name_en, credit = FINANCE
    department, _ = Department.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "area_code": "370000", "credit_code": credit})
    ctype, _ = CredentialType.objects.get_or_create(code="payment_receipt", defaults={
        "name": "非税收入电子票据", "name_en": "Electronic receipt for a government fee", "holder_kind": HolderKind.PERSON,
        "department": department, "type_code": (department.credit_code or credit) + "901", "field_schema": SCHEMA, "colour": "#b23b3b"})
    client, _ = ApiClient.objects.get_or_create(key_id="receipts-SD-CZT", defaults={
        "name": f"{name}电子票据系统", "department": department, "scopes": ["credentials.issue"], "secret_hash": "!"})
    ctype.issuers.add(client)
    return client


@step
def issue(order) -> Credential:
    paid = timezone.localtime(order.paid_at)
    issued = credential_issue(actor=receipt_issuer(), data={
        "type": "payment_receipt", "record_id": order.number, "holder_number": order.payer.id_number, "holder_name": order.payer.name,
        "issued_on": paid.date(), "fields": {"receipt_number": order.number, "item": order.description, "amount": order.yuan,
                                             "paid_on": paid.date().isoformat(), "reference": order.reference}})
    return issued.credential


@step
def void(order) -> Credential:
    """The fee was refunded: the receipt is written off (红冲) — revoked with the refund as its reason,
    so the wallet and every verifier see it no longer stands."""
    refunded = timezone.localtime(order.refunded_at)
    return credential_set_status(actor=receipt_issuer(), record_id=order.number, status=Credential.Status.REVOKED,
                                 reason=_("已退款 ¥%(amount)s（%(day)s）") % {"amount": order.yuan, "day": refunded.date().isoformat()})
