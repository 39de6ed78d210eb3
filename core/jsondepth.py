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
# Only brackets and quotes matter outside strings; a string is skipped in one step (its closing quote
# found by a regex whose two branches never overlap), so the scan stays linear on any input.
_SPECIAL = re.compile(rb'[\[\]{}"]')
_STRING_REST = re.compile(rb'(?:[^"\\]|\\.)*+"', re.DOTALL)


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
    depth, position = 0, 0
    while (found := _SPECIAL.search(raw, position)) is not None:
        char, position = found.group(), found.end()
        if char == b'"':
            rest = _STRING_REST.match(raw, position)
            if rest is None:  # an unterminated string: invalid JSON, refused by the parser
                return False
            position = rest.end()
        elif char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def too_deep_message() -> str:
    return _("The request nests arrays or objects more than %(limit)d levels deep.") % {"limit": MAX_DEPTH}


def loads(raw: bytes | str, *, limit: int = MAX_DEPTH):
    """``json.loads``, refusing a text nested deeper than ``limit`` with ``JsonTooDeep`` (a ``ValueError``)."""
    if too_deep(raw, limit):
        raise JsonTooDeep(limit)
    return json.loads(raw)
