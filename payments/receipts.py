"""The electronic receipt (非税收入电子票据) of a paid order, issued into the payer's wallet by the
finance department's receipt system, so it verifies with the published keys like any credential.
The department and the receipt type are reference data (``payments/reference.py``, installed by a
data migration); the issuing system is credentials' one internal issuer (``credentials/issuers.py``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.usecases import step
from credentials.issuers import internal_issuer
from credentials.models import Credential
from credentials.services import credential_issue, credential_set_status
from identity.models import ApiClient
from payments import reference

SCHEMA = reference.RECEIPT["field_schema"]


@step
def receipt_issuer() -> ApiClient:
    department, ctype = reference.finance()
    return internal_issuer(department, purpose="receipts", credential_type=ctype)


@step
def issue(order) -> Credential:
    paid = timezone.localtime(order.paid_at)
    issued = credential_issue(actor=receipt_issuer(), data={
        "type": reference.RECEIPT_TYPE, "record_id": order.number, "holder_number": order.payer.id_number, "holder_name": order.payer.name,
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
