"""How deeply a JSON text nests, counted without parsing it; and ``loads``, which refuses a text that
nests deeper than the limit before Python's parser would recurse once per level into a
``RecursionError`` (a 500 at about 1,000 levels).

The one owner of the depth limit: the request guard (``core.middleware.RequestBodyGuard``), the API's
parser (``core.parsers``) and any code reading JSON that a client chose (a token's payload, a form field
holding JSON) use this module. No document we serve or accept nests anywhere near ``MAX_DEPTH``."""

from __future__ import annotations

import json
import re

from django.utils.translation import gettext as _

MAX_DEPTH = 64
# Only these characters matter: brackets outside strings, and the quotes and backslashes that say
# whether we are inside a string. The scan visits them alone, so it stays linear on any input.
_SPECIAL = re.compile(rb'[\[\]{}"\\]')


class JsonTooDeep(json.JSONDecodeError):
    """A JSON text nested deeper than the limit (a ``ValueError``, as any unreadable JSON is)."""

    def __init__(self, limit: int):
        super().__init__(f"JSON nested deeper than {limit} levels", "", 0)


def too_deep(raw: bytes | str, limit: int = MAX_DEPTH) -> bool:
    """Whether ``raw`` opens more than ``limit`` arrays or objects inside one another. Invalid JSON is
    counted as well as it can be (the parser refuses it afterwards)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if raw.count(b"[") + raw.count(b"{") <= limit:  # the common case, at C speed
        return False
    depth, in_string, escaped_at = 0, False, -1
    for match in _SPECIAL.finditer(raw):
        position, char = match.start(), match.group()
        if position == escaped_at:  # the character after a backslash inside a string
            continue
        if in_string:
            if char == b"\\":
                escaped_at = position + 1
            elif char == b'"':
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def too_deep_message() -> str:
    return _("The request nests arrays or objects more than %(limit)d levels deep.") % {"limit": MAX_DEPTH}


def loads(raw: bytes | str, *, limit: int = MAX_DEPTH):
    """``json.loads``, refusing a text nested deeper than ``limit`` with ``JsonTooDeep`` (a ``ValueError``)."""
    if too_deep(raw, limit):
        raise JsonTooDeep(limit)
    return json.loads(raw)
