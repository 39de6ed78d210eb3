"""The credentials part of a person's data export: their credentials in full, and every check."""

from __future__ import annotations

from identity import exports, masking


def _section(user) -> dict:
    from credentials.selectors import checks_of, wallet_for

    return {
        "credentials": [
            {
                "identifier": c.identifier,
                "type": c.type.name,
                "issuer": c.type.department.name,
                "holder_name": c.holder_name,
                "holder_number": c.holder_number,
                "fields": c.fields,
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
                "status": c.effective_status(),
                "hidden": c.hidden,
            }
            for c in wallet_for(user)
        ],
        "checks": [
            {
                "time": v.created_at,
                "credential": v.credential.identifier if v.credential else None,
                "service_hall": v.service_hall.name if v.service_hall else None,
                "verifier": masking.staff_name(v.verifier),
                "valid": v.valid,
                "reason": v.reason,
            }
            for v in checks_of(user)
        ],
    }


def register_export() -> None:
    exports.register("credentials", _section)
