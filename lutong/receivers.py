"""Cache invalidation for the public 鲁通码 register (infrastructure only)."""

from credentials.models import CredentialType, RelyingParty
from lutong.models import Reader, Scenario
from lutong.selectors import REGISTER

REGISTER.watch(Scenario, Reader, RelyingParty, CredentialType)
