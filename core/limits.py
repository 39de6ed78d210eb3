"""How long a free text may be: one table for every input a person types (reasons, comments, names,
addresses), and the guard that holds every model row to its fields' ``max_length``.

The table is read by the serializers (``max_length=limits.REASON``: the API document says it), by the
models (a ``TextField(max_length=…)`` declares its bound) and by the use cases through the guard. The
guard runs before every save of our apps' models: a value longer than its field's ``max_length`` — a
``CharField`` the database would refuse with a 500, or a ``TextField`` that would take a megabyte —
is a ``ValidationError`` naming the field, which the API answers 400 and the pages show on the form.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from core.packages import our_apps

COMMENT = 500  # a 好差评 comment
REASON = 2000  # a reason, comment, note, reply or piece of evidence someone writes
NAME = 100  # a person's, place's or organisation's name
ADDRESS = 200  # a postal address
CODE = 64  # a code or key a client names (an item's, a bundle's)
PHOTO_BASE64 = 280_000  # a base64 photo of at most 200 KB (credentials' push API)



def too_long(instance: models.Model) -> dict[str, list[str]]:
    """Each field of ``instance`` whose text is longer than the field allows, with the reader's message."""
    errors = {}
    for field in instance._meta.concrete_fields:
        limit = getattr(field, "max_length", None)
        if not limit or not isinstance(field, (models.CharField, models.TextField)):
            continue
        value = getattr(instance, field.attname, None)
        if isinstance(value, str) and len(value) > limit:
            errors[field.name] = [_("At most %(limit)d characters (this has %(length)d).") % {"limit": limit, "length": len(value)}]
    return errors


def refuse_too_long(sender, instance, raw=False, **kwargs) -> None:
    """``pre_save``: no row of ours is written with a text over its field's limit (fixtures load as they are)."""
    if raw or sender.__module__.partition(".")[0] not in our_apps():  # migrations' historical models are __fake__
        return
    errors = too_long(instance)
    if errors:
        raise ValidationError(errors)
