"""Domain errors: what a use case says when it refuses. A kind (not found, forbidden, conflict,
invalid, unavailable, too many) and a stable machine ``code``; no HTTP here. The API layer maps the kind to a
status (``core.api.HTTP_STATUS``), one helper to a page message (``core.web.refusal``)."""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    UNPROCESSABLE = "unprocessable"
    UNAVAILABLE = "unavailable"
    TOO_MANY = "too_many"


class DomainError(Exception):
    """A rule refused the request. ``message`` is translated; ``errors`` maps field → messages."""

    kind: Kind = Kind.INVALID

    def __init__(self, message: str, *, code: str, errors: dict | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.errors = errors or {}

    def __str__(self) -> str:
        return self.message


class Invalid(DomainError):
    kind = Kind.INVALID


class NotFound(DomainError):
    """Also the answer for what exists but the caller may not see: never reveal another person's data."""

    kind = Kind.NOT_FOUND

    def __init__(self, message: str = "", *, code: str = "not_found", errors: dict | None = None):
        if not message:
            from django.utils.translation import gettext as _

            message = _("Not found.")
        super().__init__(message, code=code, errors=errors)


class Forbidden(DomainError):
    kind = Kind.FORBIDDEN


class Conflict(DomainError):
    """The request is fine but the state does not allow it now (wrong state, already done, raced)."""

    kind = Kind.CONFLICT


class Unprocessable(DomainError):
    """Well-formed, but contradicts what an earlier request fixed (a reused idempotency key)."""

    kind = Kind.UNPROCESSABLE


class Unavailable(DomainError):
    kind = Kind.UNAVAILABLE
