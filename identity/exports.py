"""Export everything the platform holds about a person, as one JSON document (their own data).

Each app contributes a section with :func:`register` from its ``AppConfig.ready``; identity owns the
document, so it need not know the other apps.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from identity import masking
from identity.models import AuditEvent, User
from identity.notices import notice_text

_SECTIONS: dict[str, Callable[[User], object]] = {}


def register(name: str, build: Callable[[User], object]) -> None:
    _SECTIONS[name] = build


def _identity(user: User) -> dict:
    return {
        # The person's own copy: the masking policy shows a holder everything (identity/masking.py).
        "name": masking.shown("name", user.name, viewer=masking.Viewer.HOLDER),
        "id_number": masking.shown("id_number", user.id_number, viewer=masking.Viewer.HOLDER),
        "phone": masking.shown("phone", user.phone, viewer=masking.Viewer.HOLDER),
        "phone_verified": user.phone_verified,
        "real_name_verified_at": user.real_name_verified_at,
        "date_joined": user.date_joined,
        "organisations": [
            {"credit_code": auth.organisation.credit_code, "name": auth.organisation.name, "scopes": auth.scopes, "valid_until": auth.valid_until}
            for auth in user.agent_authorisations.select_related("organisation")
        ],
    }


def _audit(user: User) -> list[dict]:
    return [
        {
            "time": event.created_at,
            "action": event.action,
            "action_label": str(event.get_action_display()),
            "by": event.actor_description or masking.staff_name(event.actor),
            "detail": event.detail,
        }
        for event in AuditEvent.objects.filter(subject=user).select_related("actor")
    ]


def _notices(user: User) -> list[dict]:
    texts = [(n, notice_text(n)) for n in user.notices.all()]  # in the language the export was asked in
    return [{"time": n.created_at, "title": text.title, "body": text.body, "read_at": n.read_at} for n, text in texts]


register("identity", _identity)
register("audit_events", _audit)
register("notices", _notices)


def document_for(user: User) -> dict:
    """The whole document; ``identity.services.personal_data_export`` hands it out and records that."""
    return {"exported_at": timezone.now(), "format": "qilu-personal-data/1", **{name: build(user) for name, build in _SECTIONS.items()}}
