"""The handheld-services part of a person's data export: their applications with answers and timelines."""

from __future__ import annotations

from identity import exports


def _section(user) -> list[dict]:
    from services.models import Application

    return [
        {
            "number": a.number, "item": a.item.name, "version": a.version.version, "status": a.status, "channel": a.channel, "answers": a.data,
            "created_at": a.created_at, "decided_at": a.decided_at,
            "timeline": [{"time": t.created_at, "status": t.to_status, "by": t.actor_label, "comment": t.comment} for t in a.timeline.all()],
        }
        for a in Application.objects.filter(applicant=user).select_related("item", "version").prefetch_related("timeline")
    ]


def register_export() -> None:
    exports.register("applications", _section)
