"""The catalogue's versioned guides: publishing a draft puts it in force (published versions are
frozen); "copy as new version" makes an editable draft. Item admins call these from admin."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden
from core.usecases import use_case
from identity.models import AuditEvent, User
from identity.services import audit_record
from services.models import ItemVersion, ServiceItem
from services.signals import guide_published


@use_case(audit=AuditEvent.Action.ITEM_VERSION_CHANGED)
def item_version_draft_save(*, actor: User, version: ItemVersion, changed: Iterable[str], write: Callable[[], object]) -> ItemVersion:
    """A draft version added or edited in admin: ``write`` is admin's save of the form and its
    material rows, run in this transaction beside the audit event (field names, never values). A
    published version is never edited: copy it."""
    created = version.pk is None
    if not actor.has_perm("services.add_itemversion" if created else "services.change_itemversion"):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if not created and ItemVersion.objects.filter(pk=version.pk, published_at__isnull=False).exists():
        raise Conflict(_("This version is already published; copy it to change it."), code="already_published")
    write()
    audit_record(action=AuditEvent.Action.ITEM_VERSION_CHANGED, actor=actor,
                 detail={"item": version.item.code, "version": version.version, "step": "draft_added" if created else "draft_changed",
                         "fields": sorted(changed)})
    return version


@use_case(audit=AuditEvent.Action.ITEM_VERSION_CHANGED)
def item_version_publish(*, actor: User, version: ItemVersion) -> ItemVersion:
    """Freeze a draft and make it the item's current guide; applications keep the version they used."""
    version = ItemVersion.objects.select_for_update(no_key=True).select_related("item").get(pk=version.pk)
    if version.is_published:
        raise Conflict(_("This version is already published; copy it to change it."), code="already_published")
    ItemVersion.objects.filter(pk=version.pk).update(published_at=timezone.now())
    ServiceItem.objects.filter(pk=version.item_id).update(current_version=version)
    audit_record(action=AuditEvent.Action.ITEM_VERSION_CHANGED, actor=actor,
                 detail={"item": version.item.code, "version": version.version, "step": "published"})
    version.refresh_from_db()
    guide_published.send(sender=ItemVersion, version=version)
    return version


@use_case(audit=AuditEvent.Action.ITEM_VERSION_CHANGED)
def item_version_copy(*, actor: User, version: ItemVersion) -> ItemVersion:
    """A new draft with the same guide, form, rules and materials, numbered after the item's newest."""
    materials = list(version.materials.all())
    number = (ItemVersion.objects.filter(item=version.item).order_by("-version").values_list("version", flat=True).first() or 0) + 1
    draft = ItemVersion.objects.get(pk=version.pk)
    draft.pk, draft.version, draft.published_at = None, number, None
    draft.save()
    for material in materials:
        material.pk, material.version = None, draft
        material.save()
    audit_record(action=AuditEvent.Action.ITEM_VERSION_CHANGED, actor=actor,
                 detail={"item": version.item.code, "version": draft.version, "step": "copied", "from": version.version})
    return draft
