"""The receipt issuer's reference data comes from a data migration, not from the demo generators: the
finance department with a check-valid credit code and the receipt type are there before any fee is
paid, and the receipt system is credentials' one internal issuer (``credentials.issuers``)."""

import pytest
from stdnum.cn import uscc

from credentials.issuers import internal_issuer
from credentials.models import CredentialType
from identity.models import ApiClient, Department
from payments import reference

pytestmark = pytest.mark.django_db


def test_the_finance_department_and_the_receipt_type_are_installed_by_migration():
    department = Department.objects.get(code=reference.FINANCE_CODE)
    assert uscc.is_valid(department.credit_code) and department.credit_code == reference.FINANCE["credit_code"]
    receipt = CredentialType.objects.get(code=reference.RECEIPT_TYPE)
    assert receipt.department == department and receipt.type_code == department.credit_code + "901"


def test_one_internal_issuer_per_department_and_purpose():
    from core.usecases import SYSTEM, unchanged, use_case
    from identity.models import AuditEvent

    @use_case(audit=AuditEvent.Action.PAYMENT)
    def make(*, actor: object):
        unchanged()
        department, ctype = reference.finance()
        return internal_issuer(department, purpose="receipts", credential_type=ctype), internal_issuer(department, purpose="receipts")

    first, again = make(actor=SYSTEM)
    assert first == again and ApiClient.objects.filter(key_id="receipts-SD-CZT").count() == 1
    assert first.scopes == ["credentials.issue"] and first.secret_hash == "!"  # never used over HTTP
    assert CredentialType.objects.get(code=reference.RECEIPT_TYPE).issuers.filter(pk=first.pk).exists()
