"""The tracking code an anonymous reporter gets once: 12 characters from an unambiguous alphabet; only
its keyed digest is stored, so the code is the only way back to the case without an account."""

from __future__ import annotations

import secrets

from identity import crypto

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def digest(code: str) -> str:
    """The keyed digest of a tracking code, however it was typed: any case, with or without the dashes or
    with spaces (``g7dd glrt bxwc`` is ``G7DD-GLRT-BXWC``)."""
    chars = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return crypto.blind_index("-".join(chars[i:i + 4] for i in range(0, len(chars), 4)), purpose="case-tracking")
