"""Cache invalidation for the public credential types (infrastructure only — no business rule here)."""

from credentials.models import CredentialType
from credentials.selectors import CREDENTIAL_TYPES
from identity.models import ApiClient, Department

CREDENTIAL_TYPES.watch(CredentialType, Department, ApiClient, through=(CredentialType.issuers.through,))
