"""A submission read and answered plainly (issue 25): ``apply_request`` is ``ApplySerializer``'s cleaning
of a plainly valid request (anything else goes through the serializer, for its errors word for word), and
``application_answer`` the dict ``ApplicationSerializer`` gives, key for key, without a ModelSerializer
building its fields on every submission (~16 % of a submission's CPU). The serializers stay the schema's
declaration (and the list's and the staff pages' answer); tests/services/test_application_answer.py
compares both byte for byte and validates the plain answer against the OpenAPI schema."""

from __future__ import annotations

from core import limits
from core.answers import datetime_text
from identity import masking
from services import permissions
from services.api.serializers import ApplySerializer
from services.models import Application
from services.services.steps import allowed_actions


def _plain_code(value, max_length: int, *, blank: bool = False) -> bool:
    """A code as a ``CharField`` keeps it unchanged: printable ASCII, nothing to trim, not too long."""
    return isinstance(value, str) and len(value) <= max_length and (bool(value) or blank) and value.isascii() and value.isprintable() \
        and value == value.strip()


def apply_request(body) -> dict:
    """``ApplySerializer(data=body).validated_data``: read plainly when every field is (an item code, an
    object of answers, uploads by code, a credit code); otherwise through the serializer, which raises its errors."""
    if isinstance(body, dict):
        data, uploads = body.get("data", {}), body.get("uploads", {})
        if _plain_code(body.get("item"), 48) and isinstance(data, dict) and isinstance(uploads, dict) \
                and all(_plain_code(upload, limits.CODE) for upload in uploads.values()) \
                and _plain_code(body.get("organisation", ""), 24, blank=True):
            values = {"item": body["item"], "data": {str(key): value for key, value in data.items()},
                      "uploads": {str(key): value for key, value in uploads.items()}}
            return values | ({"organisation": body["organisation"]} if "organisation" in body else {})
    checked = ApplySerializer(data=body)
    checked.is_valid(raise_exception=True)  # raises: the serializer's errors, word for word
    return checked.validated_data


def application_answer(application: Application, user) -> dict:
    """``ApplicationSerializer(application, context={"request": request}).data`` for ``request.user`` = ``user``:
    the answers masked as ``user`` may see them, the actions only for the applicant."""
    viewer = permissions.viewer_of(user, application)
    data = {key: value for key, _label, value in masking.shown_answers(application.version.form_schema, application.data, viewer=viewer)}
    decided_at = application.decided_at
    return {
        "number": application.number,
        "item": application.item.code,
        "item_name": str(application.item.local_name),
        "version": application.version.version,
        "department": str(application.department.local_name),
        "status": str(application.status),
        "channel": str(application.channel),
        "data": data,
        "materials": _materials(application),
        "materials_total": application.materials_total,
        "materials_saved": application.materials_saved,
        "failing_rule": application.failing_rule,
        "due_at": datetime_text(application.due_at),
        "overdue": application.overdue,
        "created_at": datetime_text(application.created_at),
        "decided_at": datetime_text(decided_at) if decided_at is not None else None,
        "result_credential": application.result_credential.identifier if application.result_credential_id else None,
        "actions": sorted(allowed_actions(application)) if user is not None and user.pk == application.applicant_id else [],
        "timeline": [
            {"created_at": datetime_text(step.created_at), "from_status": str(step.from_status), "to_status": str(step.to_status),
             "actor_label": step.actor_label, "comment": step.comment}
            for step in application.timeline.all()
        ],
    }


def _materials(application: Application) -> list[dict]:
    written = getattr(application, "_prefetched_objects_cache", {})
    attached = application.attachments.all() if "attachments" in written else application.attachments.select_related("material", "credential")
    return [{"material": a.material.name, "credential": a.credential.identifier if a.credential_id else None,
             "upload": str(a.upload_id) if a.upload_id else None} for a in attached]
