"""Who may do what with credentials: the one owner of "may this person show this credential" and
"may this person verify codes", asked by the use cases themselves (views only add a coarse gate)."""

from __future__ import annotations

from credentials.models import Credential, HolderKind
from family.permissions import link_for
from identity.models import Organisation, User
from identity.permissions import may_act_for

VERIFY = "credentials.verify_credential"
ISSUE_SCOPE = "credentials.issue"


def may_present(user: User, credential: Credential) -> bool:
    """Its holder, or a guardian allowed to show it for them (代亮, ``family.permissions``); for an
    organisation's licence, the legal representative or an agent allowed to present."""
    if credential.holder_kind == HolderKind.PERSON:
        return credential.holder_index == user.id_number_index or presents_for_family(user, credential)
    organisation = Organisation.objects.filter(credit_code=credential.holder_number).first()
    return organisation is not None and may_act_for(user=user, organisation=organisation, scope="credentials.present")


def presents_for_family(user: User, credential: Credential) -> bool:
    """家庭代办: ``user`` may hold and show (代亮) this person's credential now."""
    return (credential.holder_kind == HolderKind.PERSON
            and link_for(actor=user, dependant_index=credential.holder_index, act="credentials.present") is not None)


def may_verify(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VERIFY))


def may_issue(client) -> bool:
    return ISSUE_SCOPE in (client.scopes or [])


def acts_for(actor, relying_party) -> bool:
    """May ``actor`` make and read presentation requests of this registered relying party: a staff
    member listed for it, or the system client registered for it."""
    from identity.models import ApiClient

    if isinstance(actor, ApiClient):
        return relying_party.api_client_id == actor.pk
    return bool(getattr(actor, "is_authenticated", False)) and relying_party.members.filter(pk=actor.pk).exists()
