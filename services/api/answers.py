"""An application as the API answers it, written plainly (issue 25): the dict ``ApplicationSerializer``
gives, key for key, without a ModelSerializer building its fields on every submission (~16 % of a
submission's CPU). ``ApplicationSerializer`` stays the schema's declaration (and the list's and the
staff pages' answer); tests/services/test_application_answer.py compares the two byte for byte and
validates the plain answer against the OpenAPI schema."""

from __future__ import annotations

from core.answers import datetime_text
from identity import masking
from services import permissions
from services.models import Application
from services.services.steps import allowed_actions


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
