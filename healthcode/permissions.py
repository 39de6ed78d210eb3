"""Who may do what with health passes and health data, asked inside the use cases. Health officers'
rights are Django permissions granted through the health-officer role (identity/roles.py); the
platform itself (``SYSTEM``) may do what it does."""

from __future__ import annotations

CHECK_PASS = "healthcode.check_pass"
ADD_VENUE = "healthcode.add_venue"
SET_OVERRIDE = "healthcode.add_override"
DECIDE_APPEAL = "healthcode.change_appeal"
CHANGE_RULES = "healthcode.change_ruleset"
TRUST_ISSUER = "healthcode.add_trustedissuer"
LIST_CLOSE_CONTACT = "healthcode.add_closecontact"
CHANGE_CLOSE_CONTACT = "healthcode.change_closecontact"
CHANGE_RISK_AREAS = "healthcode.change_riskarea"


def has(user, perm: str) -> bool:
    return bool(getattr(user, "has_perm", None) and user.has_perm(perm))
