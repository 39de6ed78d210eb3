"""One door to cryptography: ``provider()`` and the algorithm ids in ``core.crypto.algorithms``.

Which provider serves is a deployment setting (``QILU_CRYPTO_PROVIDER``); see docs/cryptography.md.
"""

from __future__ import annotations

import functools

from django.conf import settings

from core.crypto.base import CryptoError, DeviceUnavailable, KeyPair, Provider

__all__ = ["CryptoError", "DeviceUnavailable", "KeyPair", "Provider", "provider"]

PROVIDERS = {"software": "core.crypto.software.SoftwareProvider", "device": "core.crypto.device.DeviceProvider"}


@functools.lru_cache(maxsize=1)
def _provider(name: str) -> Provider:
    from django.utils.module_loading import import_string

    try:
        path = PROVIDERS[name]
    except KeyError:
        raise CryptoError(f"unknown crypto provider {name!r}; expected one of {', '.join(PROVIDERS)}") from None
    return import_string(path)()


def provider() -> Provider:
    """The configured provider (one instance per process)."""
    return _provider(getattr(settings, "QILU_CRYPTO_PROVIDER", "software"))
