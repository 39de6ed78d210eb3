"""The family part of a person's data export: whom I may act for, and who may act for me."""

from __future__ import annotations

from identity import exports, masking


def _link(link, other) -> dict:
    return {"name": masking.shown("name", other.name, viewer=masking.Viewer.DISPLAY), "relation": link.relation, "kind": link.kind,
            "status": link.status, "acts": link.acts, "requested_at": link.requested_at, "confirmed_at": link.confirmed_at,
            "ends_at": link.ends_at(), "revoked_at": link.revoked_at}


def _section(user) -> dict:
    from family.models import FamilyLink

    links = FamilyLink.objects.select_related("guardian", "dependant")
    return {"i_act_for": [_link(link, link.dependant) for link in links.filter(guardian=user)],
            "acting_for_me": [_link(link, link.guardian) for link in links.filter(dependant=user)]}


def register_export() -> None:
    exports.register("family", _section)
