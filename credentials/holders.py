"""A holder's one number, as the blind index credentials are found by (no plaintext look-ups)."""

from __future__ import annotations

from credentials.models import Credential, HolderKind
from identity.models import Organisation, User, id_number_index


def holder_index(kind: str, number: str) -> str:
    """Blind index of a holder's one number (ID number for people, credit code for organisations)."""
    if kind == HolderKind.PERSON:
        return id_number_index(number)
    from identity.crypto import blind_index

    return blind_index(number.strip().upper(), purpose="credit-code")


def holder_user(credential: Credential) -> User | None:
    """The account of a credential's holder, if a person and registered."""
    if credential.holder_kind != HolderKind.PERSON:
        return None
    return User.objects.filter(id_number_index=credential.holder_index).first()


def holder_organisation(credential: Credential) -> Organisation | None:
    if credential.holder_kind != HolderKind.ORGANISATION:
        return None
    return Organisation.objects.filter(credit_code=credential.holder_number).first()
