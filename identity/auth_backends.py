"""Sign-in backends: resident ID number + password (Django's ModelBackend through the manager's
blind-index natural key), and allauth's backend for phone + one-time code.

``get_user`` — run on every authenticated request — reads a cached copy of the user's non-secret
columns (never the encrypted ID or phone number, never the password hash: only the session hash
derived from it), so the hot path does no database query. The ID and phone numbers are deferred
fields: code that needs them loads them from the database. Any save of a user, or a change of their
groups, drops the cached copy (signals in ``identity.receivers``).
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

USER_CACHE_SECONDS = 300
_SECRET_COLUMNS = {"id_number", "phone", "password"}


def user_cache_key(pk) -> str:
    return f"user.v1.{pk}"


class IdentityBackend(ModelBackend):
    """Password sign-in by ID number; phone sign-in by code is delegated to allauth."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and password is not None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        if kwargs.get("phone") is not None:
            return AllauthBackend().authenticate(request, password=password, **kwargs)
        return None

    def get_user(self, user_id):
        from identity.models import User

        cached = cache.get(user_cache_key(user_id))
        if cached is not None:
            names, values, session_hash = cached
            user = User.from_db("default", names, values)
            user.__dict__["_session_auth_hash"] = session_hash
            return user if self.user_can_authenticate(user) else None
        user = super().get_user(user_id)
        if user is not None:
            names = [f.attname for f in User._meta.concrete_fields if f.attname not in _SECRET_COLUMNS]
            cache.set(user_cache_key(user_id), (names, [getattr(user, name) for name in names], user.get_session_auth_hash()), USER_CACHE_SECONDS)
        return user
