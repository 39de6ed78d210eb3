"""Reference data the payments app stands on: the finance department (山东省财政厅) that issues the
electronic receipt of every fee, its unified social credit code, and the receipt's credential type.
Written by the data migration ``0004_finance_receipt_issuer`` (``install``, with the migration's
historical models); ``finance()`` reads it. A database emptied since (a transactional test's flush)
gets it again from the same ``install`` on first use — the same rows, never demo data."""

from __future__ import annotations

from django.apps import apps as installed

FINANCE_CODE = "SD-CZT"
FINANCE = {"name": "山东省财政厅", "name_en": "Shandong Provincial Department of Finance", "area_code": "370000",
           "credit_code": "11370000MA0000029X"}  # check-valid (GB 32100): tests/payments/test_receipts_reference.py
RECEIPT_TYPE = "payment_receipt"
RECEIPT = {
    "name": "非税收入电子票据", "name_en": "Electronic receipt for a government fee", "holder_kind": "person", "colour": "#b23b3b",
    "field_schema": [
        {"key": "receipt_number", "label": "票据号码", "label_en": "Receipt number", "type": "text"},
        {"key": "item", "label": "收费项目", "label_en": "Fee", "type": "text"},
        {"key": "amount", "label": "金额（元）", "label_en": "Amount (yuan)", "type": "text"},
        {"key": "paid_on", "label": "交款日期", "label_en": "Paid on", "type": "date"},
        {"key": "reference", "label": "业务编号", "label_en": "Reference", "type": "text"},
    ],
}


def install(apps=installed) -> None:
    """The finance department and the receipt type (idempotent; ``apps``: a migration's registry)."""
    Department = apps.get_model("identity", "Department")
    CredentialType = apps.get_model("credentials", "CredentialType")
    department, _created = Department.objects.get_or_create(code=FINANCE_CODE, defaults=FINANCE)
    CredentialType.objects.get_or_create(code=RECEIPT_TYPE, defaults={**RECEIPT, "department": department,
                                                                      "type_code": (department.credit_code or FINANCE["credit_code"]) + "901"})


def finance():
    """(the finance department, the receipt type), installed if a flush removed them."""
    from credentials.models import CredentialType

    ctype = CredentialType.objects.select_related("department").filter(code=RECEIPT_TYPE).first()
    if ctype is None:
        install()
        ctype = CredentialType.objects.select_related("department").get(code=RECEIPT_TYPE)
    return ctype.department, ctype
