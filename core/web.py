"""The portal side of a refusal: one helper turns a domain error or a validation error into what a
page shows (a message, and field errors for a form). The API side is ``core.api``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from core.api import HTTP_STATUS
from core.errors import DomainError, Kind


@dataclass
class Refusal:
    code: str
    message: str
    status: int
    errors: dict[str, list[str]] = field(default_factory=dict)


def refusal(exc: DomainError | ValidationError) -> Refusal:
    if isinstance(exc, DomainError):
        return Refusal(exc.code, exc.message, HTTP_STATUS[exc.kind], {k: [str(m) for m in v] for k, v in exc.errors.items()})
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next((messages[0] for messages in errors.values() if messages), "")
    return Refusal(getattr(exc, "code", None) or "invalid", str(first), HTTP_STATUS[Kind.INVALID], {k: [str(m) for m in v] for k, v in errors.items()})


def attachment(filename: str) -> str:
    """A Content-Disposition for a download named in words: an ASCII fallback for old clients and the
    real (Chinese) name as RFC 5987/6266 ``filename*``."""
    from urllib.parse import quote

    stem, dot, extension = filename.rpartition(".")
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem or filename)[:60].strip("_") or "file"
    return f"attachment; filename=\"{fallback}{dot}{extension if dot else ''}\"; filename*=UTF-8''{quote(filename, safe='')}"


def whole_number(value) -> int:
    """A number a page posted (a case id, a rating level): 0 when it is missing or not a whole number,
    which the selector answers as not found and the use case as invalid — never a 500."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


def back_to(request, target: str | None, default: str = "") -> str:
    """Where to go after a form posted from some page (its ``next``): a path on this site only, else
    ``default`` — never another host, so a link cannot carry a person off the site."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = target or ""
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()) else default
