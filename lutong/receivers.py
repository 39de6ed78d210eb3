"""Cache invalidation for the public 鲁通码 register (infrastructure only)."""

from credentials.models import CredentialType, RelyingParty
from lutong.models import Reader, Scenario, Terminal
from lutong.selectors import REGISTER

REGISTER.watch(Scenario, Reader, RelyingParty, CredentialType, Terminal)  # also what a terminal's key finds (selectors.terminal_by_token)
