"""Authentication and permissions for system clients (data-sharing platform, issuing departments)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions

from identity.models import ApiClient


class ApiClientAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key_id>.<secret>``; request.user becomes the ApiClient."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, token = header.partition(" ")
        if scheme != self.keyword or "." not in token:
            raise exceptions.AuthenticationFailed(_("Use Authorization: Bearer <key id>.<secret>."))
        key_id, _dot, secret = token.strip().partition(".")
        client = ApiClient.objects.filter(key_id=key_id, is_active=True).select_related("department").first()
        if client is None or not client.check_secret(secret):
            raise exceptions.AuthenticationFailed(_("Unknown client or wrong secret."))
        return client, client

    def authenticate_header(self, request):
        return self.keyword


class ClientHasScope(permissions.BasePermission):
    """The view declares ``required_scope``; the client must hold it."""

    def has_permission(self, request, view):
        client = request.user
        if not isinstance(client, ApiClient):
            return False
        return view.required_scope in client.scopes
