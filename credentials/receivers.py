"""Cache invalidation for the public credential types (infrastructure only — no business rule here)."""

from credentials.models import CredentialType, RelyingParty
from credentials.selectors import CREDENTIAL_TYPES, RELYING_PARTIES
from identity.models import ApiClient, Department

CREDENTIAL_TYPES.watch(CredentialType, Department, ApiClient, through=(CredentialType.issuers.through,))
RELYING_PARTIES.watch(RelyingParty, CredentialType)
