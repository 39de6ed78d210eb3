"""A holder's one number, as the blind index credentials are found by (no plaintext look-ups)."""

from __future__ import annotations

from credentials.models import HolderKind
from identity.models import id_number_index


def holder_index(kind: str, number: str) -> str:
    """Blind index of a holder's one number (ID number for people, credit code for organisations)."""
    if kind == HolderKind.PERSON:
        return id_number_index(number)
    from identity.crypto import blind_index

    return blind_index(number.strip().upper(), purpose="credit-code")
