"""Session store that encrypts session data at rest.

allauth keeps pending sign-in state (for example the phone number a code was sent to) in the session;
Django's default encoding is signed but readable base64. Encrypting it keeps personal numbers out of
the sessions table too.
"""

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.core import signing

from identity import crypto


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
