"""The one owner of the rule "staff open other people's data only after a second factor".

Clerks, reviewers, checkpoint staff, health officers, auditors and admins read personal data that is
not theirs. A stolen password must not be enough for that: such a session must have been signed in
with a second factor — a passkey (which may also replace the password), an authenticator app (TOTP)
or a recovery code — as Singpass and GOV.UK's staff systems require. allauth.mfa asks for the second
factor at sign-in once an account has one, and records it among the session's authentication
methods; this module reads that record. It costs one look-up in the session the request already
decoded, so the checkpoint's hot path stays as cheap as before.

A staff session without the record is sent to ``/account/second-factor/`` (portal and admin) or
answered 403 ``second_factor_required`` (API): there the person adds a passkey or an authenticator
app, or, when they have one already but this session predates it, confirms with it.

Citizens are never asked: their own data is theirs, and passkeys are offered, not imposed.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from core.api import require_perm
from core.errors import Forbidden
from identity import roles

# The roles whose work is reading other people's data; with superusers, the accounts that must have a
# second factor. (The issuing systems are machine clients with their own keys; venue managers see counts.)
ROLES = frozenset({roles.CLERK, roles.REVIEWER, roles.CHECKPOINT, roles.HEALTH_OFFICER, roles.AUDITOR, roles.ITEM_ADMIN,
                   roles.CREDENTIAL_TYPE_ADMIN, roles.DISPATCHER})
CODE = "second_factor_required"
MESSAGE = _("Sign in with a second factor (a passkey or an authenticator app) before opening other people's data.")


def _session(request) -> SessionBase | None:
    # The mobile app's session token authenticates with its own session (portal.authentication).
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, SessionBase) else getattr(request, "session", None)


def verified(request) -> bool:
    """Whether this request's session was signed in (or since confirmed) with a second factor."""
    session = _session(request)
    records = session.get(AUTHENTICATION_METHODS_SESSION_KEY, ()) if session is not None else ()
    return any(record.get("method") == "mfa" for record in records)


def demand_unless_own(request, owner_id) -> None:
    """For endpoints a citizen uses for their own things and a reviewer for other people's (an
    application, its result, an uploaded file): someone else's needs a second factor."""
    if owner_id != request.user.pk and not verified(request):
        raise Forbidden(MESSAGE, code="second_factor_required")


def gate_url(next_url: str) -> str:
    return f"{reverse('second-factor')}?{urlencode({'next': next_url})}"


def required(view):
    """Portal views that show other people's data: without a second factor, to the page that sets
    one up or asks for it (then back here)."""

    @wraps(view)
    def gated(request, *args, **kwargs):
        if not verified(request):
            return redirect(gate_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return gated


def require_staff_perm(perm: str):
    """A DRF permission: the Django permission (through roles) and a session with a second factor."""
    base = require_perm(perm)

    class HasPermWithSecondFactor(base):
        error_codes = {403: [CODE]}  # the API document lists it (core.openapi.error_codes)

        def has_permission(self, request, view):
            if not super().has_permission(request, view):
                return False
            if not verified(request):
                raise exceptions.PermissionDenied(detail=MESSAGE, code=CODE)
            return True

    HasPermWithSecondFactor.__name__ = base.__name__
    return HasPermWithSecondFactor
