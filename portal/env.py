"""Reading configuration from the environment — the only place settings come from.

Dev defaults are given as ``dev=`` values and are used only when ``QILU_ENV`` is not ``prod``. In
production a missing or weak secret is collected as a problem; ``settings.py`` refuses to start with
all of them listed at once, so an operator fixes everything in one go.
"""

from __future__ import annotations

import base64
import binascii
import os

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("dev", "test", "prod")


class Env:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.name = self.environ.get("QILU_ENV", "dev")
        if self.name not in ENVIRONMENTS:
            raise ImproperlyConfigured(f"QILU_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.name!r}")
        self.problems: list[str] = []

    @property
    def is_prod(self) -> bool:
        return self.name == "prod"

    def str(self, name: str, default: str | None = None, *, dev: str | None = None) -> str | None:
        value = self.environ.get(name)
        if value not in (None, ""):
            return value
        if dev is not None and not self.is_prod:
            return dev
        return default

    def required(self, name: str, *, dev: str | None = None) -> str:
        value = self.str(name, dev=dev)
        if value is None:
            self.problems.append(f"{name} is not set")
            return ""
        return value

    def bool(self, name: str, default: bool = False, *, dev: bool | None = None) -> bool:
        value = self.environ.get(name)
        if value in (None, ""):
            return dev if (dev is not None and not self.is_prod) else default
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")

    def int(self, name: str, default: int) -> int:
        value = self.environ.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc

    def list(self, name: str, default: list[str] | None = None, *, dev: list[str] | None = None) -> list[str]:
        value = self.environ.get(name)
        if value in (None, ""):
            return list(dev if (dev is not None and not self.is_prod) else (default or []))
        return [item.strip() for item in value.split(",") if item.strip()]

    def secret(self, name: str, *, dev: str, min_length: int = 50) -> str:
        """A secret string: required in production, at least ``min_length`` characters, not the dev value."""
        value = self.environ.get(name) or ""
        if not self.is_prod:
            return value or dev
        if not value:
            self.problems.append(f"{name} is not set")
        elif value == dev or len(value) < min_length or len(set(value)) < 10:
            self.problems.append(f"{name} is too weak (use at least {min_length} random characters)")
        return value

    def key32(self, name: str, *, dev: str) -> bytes:
        """A 32-byte key given as base64 (``openssl rand -base64 32``)."""
        raw = self.secret(name, dev=dev, min_length=40)
        if not raw:
            return b""
        try:
            key = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            self.problems.append(f"{name} must be base64 of 32 random bytes")
            return b""
        if len(key) != 32 or len(set(key)) < 16:
            self.problems.append(f"{name} must be base64 of 32 random bytes")
            return b""
        return key

    def refuse_unsafe(self) -> None:
        if self.problems:
            listed = "\n  - ".join(self.problems)
            raise ImproperlyConfigured(
                f"Refusing to start with QILU_ENV={self.name}; fix these environment variables:\n  - {listed}"
            )
