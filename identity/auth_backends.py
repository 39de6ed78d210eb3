"""Sign-in backends: resident ID number + password (Django's ModelBackend through the manager's
blind-index natural key), and allauth's backend for phone + one-time code."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend


class IdentityBackend(ModelBackend):
    """Password sign-in by ID number; phone sign-in by code is delegated to allauth."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and password is not None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        if kwargs.get("phone") is not None:
            return AllauthBackend().authenticate(request, password=password, **kwargs)
        return None
