"""Admin-defined field schemas — a credential type's fields, a service item's form — checked and
filled by one validator. A schema is a list of ``{key, label, label_en?, help?, help_en?, type, required?,
choices?, min?, max?, pattern?, pattern_message?, max_length?}``; each app names which types it allows."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.numbers import validate_id_number, validate_phone

FIELD_TYPES = ("text", "textarea", "date", "number", "choice", "id_number", "phone")


def validate_schema(schema, *, types: tuple[str, ...] = FIELD_TYPES, reserved: tuple[str, ...] = (), allow_empty: bool = True) -> None:
    """Refuse a schema an admin wrote wrongly: not a list, a field without key or label, an unknown
    type, a repeated or reserved key, a choice field without choices."""
    if not isinstance(schema, list) or (not schema and not allow_empty):
        raise ValidationError(_("The field schema must be a non-empty list.") if not allow_empty else _("The form must be a list of fields."))
    seen: dict[str, str] = {}
    for position, item in enumerate(schema, start=1):
        if not isinstance(item, dict) or not item.get("key") or not item.get("label"):
            raise ValidationError(_("Field %(n)d needs a name (label) and a field key.") % {"n": position})
        key, label = item["key"], item["label"]
        if not str(key).isidentifier() or key in reserved:
            raise ValidationError(_("The field key %(key)s of “%(label)s” cannot be used: use letters, digits and underscores, and not a key "
                                    "the platform keeps for itself.") % {"key": key, "label": label})
        if key in seen:
            raise ValidationError(_("“%(other)s” and “%(label)s” use the same field key %(key)s.") % {"key": key, "label": label, "other": seen[key]})
        seen[key] = label
        if item.get("type", "text") not in types:
            raise ValidationError(_("“%(label)s” has an answer type this form cannot use.") % {"label": label})
        if item.get("type") == "choice" and not item.get("choices"):
            raise ValidationError(_("“%(label)s” is a choice: list its choices.") % {"label": label})


def localised(spec: dict) -> dict:
    """A field as the reader's language shows it: its English label and help text (``label_en``,
    ``help_en``, as the admin gave them beside the Chinese) when the page is in English."""
    from django.utils.translation import get_language

    if get_language() != "en":
        return spec
    return {**spec, "label": spec.get("label_en") or spec.get("label", ""), "help": spec.get("help_en") or spec.get("help", "")}


def _number(spec: dict, value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(_("Enter a number.")) from None
    if ("min" in spec and number < spec["min"]) or ("max" in spec and number > spec["max"]):
        raise ValidationError(_("Enter a number between %(min)s and %(max)s.") % {"min": spec.get("min", "…"), "max": spec.get("max", "…")})
    return value


def _date(spec: dict, value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValidationError(_("Use a date like 2020-01-31.")) from None


def _choice(spec: dict, value: str) -> str:
    if value not in spec["choices"]:
        raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(spec["choices"])})
    return value


_BY_TYPE = {
    "date": _date,
    "number": _number,
    "choice": _choice,
    "id_number": lambda spec, value: validate_id_number(value),
    "phone": lambda spec, value: validate_phone(value),
}


def clean_value(spec: dict, value: str) -> str:
    """One answer, checked against its field; raises ValidationError with the reader's message."""
    value = _BY_TYPE.get(spec.get("type", "text"), lambda spec, value: value)(spec, value)
    if spec.get("pattern") and not re.fullmatch(spec["pattern"], value):
        raise ValidationError(spec.get("pattern_message") or _("This value has the wrong format."))
    if len(value) > int(spec.get("max_length", 500)):
        raise ValidationError(_("This value is too long."))
    return value


def clean_values(schema: list[dict], raw, *, prefix: str) -> dict:
    """All answers: required ones present, each valid, no unknown keys. Errors are keyed
    ``<prefix>.<key>`` so a client can put each under its field."""
    if not isinstance(raw, dict):
        raise ValidationError({prefix: [_("This must be an object of field values.")]})
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for spec in schema:
        key = spec["key"]
        value = raw.get(key)
        value = "" if value is None else str(value).strip()
        if not value:
            if spec.get("required", True):
                errors[f"{prefix}.{key}"] = [_("This field is required.")]
            continue
        try:
            cleaned[key] = clean_value(spec, value)
        except ValidationError as exc:
            errors[f"{prefix}.{key}"] = exc.messages
    known = {spec["key"] for spec in schema}
    for key in sorted(str(key) for key in raw if key not in known):
        errors[f"{prefix}.{key}"] = [_("This field is not part of the form.")]
    if errors:
        raise ValidationError(errors)
    return cleaned
