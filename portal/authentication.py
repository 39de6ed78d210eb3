"""DRF authentication for the mobile app's allauth session token."""

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's X-Session-Token, declaring a scheme so that a missing or stale token answers 401
    (sign in again) rather than 403 (not allowed)."""

    def authenticate_header(self, request):
        return 'Session-Token realm="api"'
