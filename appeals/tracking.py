"""The tracking code an anonymous reporter gets once: 12 characters from an unambiguous alphabet; only
its keyed digest is stored, so the code is the only way back to the case without an account."""

from __future__ import annotations

import secrets

from identity import crypto

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def digest(code: str) -> str:
    return crypto.blind_index((code or "").strip().upper().replace(" ", ""), purpose="case-tracking")
