"""A model field whose value is encrypted at rest (see identity.crypto)."""

from __future__ import annotations

from django.db import models

from identity import crypto


class EncryptedTextField(models.BinaryField):
    """Holds a str in Python and AES-GCM ciphertext in the database.

    Encrypted values cannot be searched: store a blind index beside them for lookups.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return crypto.decrypt(bytes(value), context=self.crypto_context)

    def to_python(self, value):
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or value == "":
            return None
        if isinstance(value, (bytes, memoryview)):
            return connection.Database.Binary(bytes(value))
        return connection.Database.Binary(crypto.encrypt(str(value), context=self.crypto_context))

    def value_to_string(self, obj):
        return ""  # never serialise the plaintext (dumpdata, admin history)
