"""What a notice says, kept untranslated so that each reader reads it in their own language.

A notice is written once (by a task, a clerk's scan, an issuing system) but read later by a person
whose language the writer does not know. So the writer passes ``words(msgid, **params)`` instead of
a translated string; the notice keeps the msgid and its parameters (``Notice.message``) beside the
text rendered at the time (``title``/``body``: admin, exports and rows written before this existed),
and ``notice_text`` renders it again in the reader's language.

A parameter is one of:

- a plain string, shown as it is (an application number, a clerk's comment);
- ``named(thing)``: the thing's Chinese and English names, the English one on English pages where
  the thing has one (an item's ``name_en``);
- a lazy translatable string (``gettext_lazy``, a choice's label): translated when read;
- ``words(...)`` itself, or a list of any of these (joined with "、" in Chinese, ", " in English).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext

ENGLISH = "en"


@dataclass(frozen=True)
class Words:
    """A message to translate when it is read: a msgid and its parameters, stored as JSON."""

    stored: dict

    def __str__(self) -> str:
        return render(self.stored)


def _msgid(text: Promise) -> str | None:
    """The msgid of a ``gettext_lazy`` string (Django keeps the call's arguments on the proxy); None
    for any other lazy string (``pgettext_lazy``, a formatted one), which is then kept as rendered."""
    args = getattr(text, "_args", ())
    return args[0] if len(args) == 1 and isinstance(args[0], str) else None


def _param(value) -> object:
    if isinstance(value, Words):
        return value.stored
    if isinstance(value, Promise):
        msgid = _msgid(value)
        return {"msgid": msgid} if msgid is not None else str(value)
    if isinstance(value, list | tuple):
        return {"list": [_param(item) for item in value]}
    if isinstance(value, dict):  # already stored (``named``)
        return value
    return "" if value is None else str(value)


def words(message: str | Promise, /, **params) -> Words:
    """``words(gettext_lazy("%(type)s is now %(status)s"), type=named(ctype), status=Status(s).label)``.
    Pass the msgid through ``gettext_lazy`` (or ``gettext_noop``) so that makemessages finds it."""
    msgid = _msgid(message) if isinstance(message, Promise) else message
    return Words({"msgid": msgid if msgid is not None else str(message), "params": {key: _param(value) for key, value in params.items()}})


def named(thing=None, *, zh: str = "", en: str = "") -> dict:
    """A thing's names, to show in the reader's language: ``named(item)`` reads ``name``/``name_en``."""
    if thing is not None:
        zh, en = thing.name, getattr(thing, "name_en", "") or ""
    return {"zh": zh, "en": en}


def render(stored) -> str:
    """A stored message or parameter in the active language."""
    if isinstance(stored, str):
        return stored
    if not isinstance(stored, dict):
        return ""
    english = get_language() == ENGLISH
    if "list" in stored:
        return (", " if english else "、").join(render(item) for item in stored["list"])
    if "zh" in stored:
        return (stored.get("en") or stored["zh"]) if english else stored["zh"]
    text = gettext(stored.get("msgid", ""))
    params = stored.get("params")
    return text % {key: render(value) for key, value in params.items()} if params else text


def stored(text: str | Words, limit: int | None = None) -> tuple[str, dict | None]:
    """What ``Notice`` keeps of a title or body: the text as rendered now, and the message to render
    again when read (None for a plain string)."""
    if isinstance(text, Words):
        shown = str(text)
        return (shown[:limit] if limit else shown), text.stored
    return text, None


def notice_fields(*, title: str | Words, body: str | Words = "") -> dict:
    """``title``, ``body`` and ``message`` for a new ``Notice`` row (``notice_send`` and the check journal's bulk writer)."""
    title_text, title_message = stored(title, limit=200)
    body_text, body_message = stored(body)
    message = {key: value for key, value in (("title", title_message), ("body", body_message)) if value is not None}
    return {"title": title_text, "body": body_text, "message": message}


@dataclass(frozen=True)
class NoticeText:
    title: str
    body: str


def notice_text(notice) -> NoticeText:
    """A notice's title and body in the active language (the reader's). A notice written before
    messages were kept, or one whose message no longer renders (a changed msgid's placeholders),
    shows the text stored when it was sent."""
    message = notice.message or {}
    return NoticeText(title=_rendered(message.get("title"), notice.title), body=_rendered(message.get("body"), notice.body))


def _rendered(message, fallback: str) -> str:
    if not message:
        return fallback
    try:
        return render(message)
    except (KeyError, ValueError, TypeError):
        return fallback
