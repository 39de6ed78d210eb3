"""Bulk issuance from files (CSV/JSONL rows shaped like the push API): parsing and checking each row
with the push API's serializer, then the same ``credential_issue`` use case per row. An adapter like
the API, so the service layer never imports a serializer."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from core.errors import DomainError
from credentials.api.serializers import CredentialPushSerializer
from credentials.services import credential_issue
from identity.models import ApiClient
from identity.services import ImportReport, row_import


def credentials_import(*, client: ApiClient, rows: Iterable[dict]) -> ImportReport:
    """Bulk issuance from rows shaped like the push API (CSV columns ``fields.<key>`` are nested)."""

    def upsert(row: dict) -> bool:
        row = _nest_fields(row)
        serializer = CredentialPushSerializer(data=row)
        if not serializer.is_valid():
            raise ValidationError({key: [str(m) for m in messages] for key, messages in serializer.errors.items()})
        try:
            return credential_issue(actor=client, data=serializer.validated_data).created
        except DomainError as exc:
            raise ValidationError({"type" if exc.code in ("unknown_type", "type_not_allowed") else "row": [exc.message]}) from exc

    return row_import(rows, upsert)


def _nest_fields(row: dict) -> dict:
    if any(key.startswith("fields.") for key in row):
        row = dict(row)
        nested = dict(row.get("fields") or {})
        for key in [k for k in row if k.startswith("fields.")]:
            value = row.pop(key)
            if value not in (None, ""):
                nested[key[len("fields.") :]] = value
        row["fields"] = nested
        row = {key: value for key, value in row.items() if value not in (None, "")}
    return row
