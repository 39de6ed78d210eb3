"""A department's internal issuing systems: the platform itself issuing into wallets on a
department's behalf — the results of its applications (办件结果), the finance department's fee
receipts (非税收入电子票据). The one place such a system is made: an ``ApiClient`` of the department
with the ``credentials.issue`` scope and no secret (it is never used over HTTP), allowed to issue the
credential type it is for. Reference data it needs (the finance department, its credit code, the
receipt type) comes from a data migration (``payments/migrations/0004_finance_receipt_issuer.py``),
never from the demo-data generators."""

from __future__ import annotations

from core.usecases import step
from credentials.models import CredentialType
from identity.models import ApiClient, Department

# what each internal system issues → how its client is named (key id prefix, display name suffix)
PURPOSES = {
    "results": "办件结果签发",
    "receipts": "电子票据系统",
}


@step
def internal_issuer(department: Department, *, purpose: str, credential_type: CredentialType | None = None) -> ApiClient:
    """The department's internal issuing system for ``purpose`` (made once; two first issues at once:
    one creates it, the other finds it), allowed to issue ``credential_type`` when one is given."""
    client, _created = ApiClient.objects.get_or_create(
        key_id=f"{purpose}-{department.code}"[:32],
        defaults={"name": f"{department.name}{PURPOSES[purpose]}", "department": department, "scopes": ["credentials.issue"], "secret_hash": "!"},
    )
    if credential_type is not None:
        credential_type.issuers.add(client)
    return client
