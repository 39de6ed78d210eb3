"""DRF authentication for the mobile app's allauth session token: one cache read per request.

allauth looks the token's session up (checking that it exists, then loading it) and asks Django's ``get_user`` for its user (which checks the
backend and the session hash, and flushes a session whose password changed). We do the same, only
with the session marked as the one being authenticated, so ``IdentityBackend.get_user`` takes the
user snapshot cached beside the session (``identity.sessions``) instead of reading it separately.
A hot route's first Redis read rides in the same round trip (``identity.prefetch``): the route's
declared keys are read with the session, and offered to the request once its user is known.
"""

from allauth.core.internal.sessionkit import get_session_user
from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.contrib.auth import SESSION_KEY

from identity import auth_backends, prefetch, sessions


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's X-Session-Token, declaring a scheme so that a missing or stale token answers 401
    (sign in again) rather than 403 (not allowed)."""

    def authenticate(self, request):
        token = request.META.get("HTTP_X_SESSION_TOKEN")  # get_session_token's header, without building request.headers
        if not token:
            return None
        # allauth's token strategy asks exists() and then loads: two reads. One load answers both.
        session = sessions.SessionStore(session_key=token, want=prefetch.wanted(request._request))
        session.get(SESSION_KEY)  # a missing or expired session clears its key
        if not session.session_key:
            return None
        user = auth_backends.snapshot_user(session)  # the usual case: the user beside the session in the one read
        if user is None:
            with sessions.authenticating(session):
                user = get_session_user(session)
        if user is None:
            return None
        prefetch.offer(session.prefetched, user)  # the person's keys only if the companion names this user
        return (user, session)

    def authenticate_header(self, request):
        return 'Session-Token realm="api"'
