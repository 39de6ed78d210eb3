"""Session store that encrypts session data at rest, with a read-through cache.

allauth keeps pending sign-in state (for example the phone number a code was sent to) in the session;
Django's default encoding is signed but readable base64. Encrypting it keeps personal numbers out of
the sessions table — and out of Redis: unlike Django's ``cached_db`` engine, which caches the decoded
dict, this caches the *encrypted* string. Every API call with a session token reads its session, so
the cache turns two database queries per request into one Redis read; the database stays the
source of truth (a cache outage or miss reads it), and deleting a session (sign-out, "sign out my
other devices") deletes the cached copy too.
"""

import logging

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from identity import crypto

logger = logging.getLogger(__name__)
CACHE_PREFIX = "session.enc."


class SessionStore(DbSessionStore):
    def encode(self, session_dict):
        plain = signing.dumps(session_dict, salt=self.key_salt, serializer=self.serializer, compress=True)
        return crypto.encrypt(plain, context="django.session").hex()

    def decode(self, session_data):
        try:
            plain = crypto.decrypt(bytes.fromhex(session_data), context="django.session")
            return signing.loads(plain, salt=self.key_salt, serializer=self.serializer)
        except Exception:  # noqa: BLE001 — tampered, truncated or from an old key: an empty session, like Django does
            return {}

    def load(self):
        if self.session_key:
            encoded = cache.get(CACHE_PREFIX + self.session_key)
            if encoded is not None:
                return self.decode(encoded)
        stored = self._get_session_from_db()
        if stored is None:
            self._session_key = None
            return {}
        cache.set(CACHE_PREFIX + stored.session_key, stored.session_data, self._seconds_left(stored.expire_date))
        return self.decode(stored.session_data)

    def exists(self, session_key):
        return bool(session_key) and (cache.get(CACHE_PREFIX + session_key) is not None or super().exists(session_key))

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        self._encoded = instance.session_data
        return instance

    def save(self, must_create=False):
        super().save(must_create=must_create)
        if self.session_key and getattr(self, "_encoded", None) is not None:
            cache.set(CACHE_PREFIX + self.session_key, self._encoded, self.get_expiry_age())

    def delete(self, session_key=None):
        key = session_key or self.session_key
        if key:
            cache.delete(CACHE_PREFIX + key)
        super().delete(session_key)

    @staticmethod
    def _seconds_left(expire_date) -> int:
        return max(1, int((expire_date - timezone.now()).total_seconds()))
