"""Applying: forms and pre-fill, 免证办 materials, idempotent submission, withdraw, cancel and resubmit."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core import idempotency, quotas, references
from core.errors import Conflict, NotFound
from core.fields import clean_values
from core.outbox import enqueue_on_commit, send_on_commit
from core.usecases import SystemActor, pure, step, use_case
from credentials.models import Credential, HolderKind
from family import permissions as family_permissions
from identity import masking
from identity.models import AuditEvent, Organisation, User
from identity.permissions import may_act_for
from identity.services import audit_record
from payments import selectors as payment_selectors
from payments.models import Order
from payments.services import order_open, order_refund
from services import workdays
from services.models import Application, AttachedMaterial, ItemVersion, Material, ServiceItem, Status, Upload
from services.selectors import held_materials
from services.services.steps import move, record_step, step_label


@pure
def clean_form(version: ItemVersion, raw) -> dict:
    """Server-side validation of the item's form, with errors per field (``data.<key>``)."""
    return clean_values(version.form_schema, raw, prefix="data")


def _new_number() -> str:
    return references.drawn("QL", 8)


@dataclass
class Submitted:
    application: Application
    created: bool


def _open_version(item: ServiceItem, *, applicant: User, organisation: Organisation | None, submitted_by: User | None) -> ItemVersion:
    """The guide version to apply under, if this item may be applied for, by this applicant, here."""
    version = item.current_version
    if not item.is_active or version is None or not version.is_published:
        raise Conflict(_("This item cannot be applied for right now."), code="item_unavailable")
    if not item.online and submitted_by is None:
        raise Conflict(_("This item is handled at the service window only."), code="offline_only")
    if (item.applicant_kind == HolderKind.ORGANISATION) != (organisation is not None):
        raise ValidationError({"organisation": [_("This item is for organisations.") if organisation is None else _("This item is for individuals.")]})
    if organisation is not None and not may_act_for(user=applicant, organisation=organisation, scope="services.apply"):
        raise NotFound()
    return version


def _attachments(version: ItemVersion, *, applicant: User, organisation: Organisation | None, uploads: dict,
                 submitted_by: User | None) -> list[tuple[Material, Credential | None, Upload | None]]:
    """Each material: the held credential (免证办), else the applicant's (or the clerk's) upload."""
    if not isinstance(uploads, dict):
        raise ValidationError({"uploads": [_("Uploads must be an object of material id to upload id.")]})
    owners = [user for user in (applicant, submitted_by) if user]
    attachments, errors = [], {}
    for material, credential in held_materials(version, applicant, organisation):
        upload_id = uploads.get(str(material.pk))
        if credential is not None:
            attachments.append((material, credential, None))
        elif upload_id:
            upload = Upload.objects.filter(pk=upload_id, owner__in=owners).first() if _is_uuid(upload_id) else None
            if upload is None:
                errors[f"uploads.{material.pk}"] = [_("Upload not found.")]
            else:
                attachments.append((material, None, upload))
        elif material.required:
            errors[f"uploads.{material.pk}"] = [_("Please upload: %(name)s") % {"name": material.name}]
    if errors:
        raise ValidationError(errors)
    return attachments


@use_case(audit=(AuditEvent.Action.APPLICATION_SUBMITTED, AuditEvent.Action.APPLICATION_SUBMITTED_FOR))
def application_submit(*, actor: User, item: ServiceItem, data: dict, uploads: dict | None = None, organisation: Organisation | None = None,
                       idempotency_key: str = "", submitted_by: User | None = None, bundle_application=None,
                       for_person: User | None = None) -> Submitted:
    """Submit an application for ``actor`` (the applicant; ``submitted_by``: the window clerk who
    submits for them). With an ``Idempotency-Key``, a retry or double tap returns the first
    application (created=False) instead of making a second one (``core.idempotency``).
    ``bundle_application``: the 一件事 it is a part of (services/services/bundles.py).
    ``for_person``: 家庭代办 — the actor applies for this family member, who is the applicant
    (``family.permissions`` decides; anyone else's person answers 404)."""
    guardian = None
    if for_person is not None:
        family_permissions.require(actor=actor, dependant=for_person, act="services.apply")
        guardian, actor = actor, for_person
    once = idempotency.keyed(Application.objects.filter(applicant=actor), idempotency_key,
                             {"item": item.code, "data": data, "organisation": organisation.credit_code if organisation else ""})
    existing = idempotency.first(once, remembered_only=True)
    if existing is not None:
        return Submitted(idempotency.found(existing).row, False)
    if bundle_application is None:  # a 一件事's parts were counted once, as the bundle
        quotas.take("applications", (submitted_by or guardian or actor).pk)
    try:
        version = _open_version(item, applicant=actor, organisation=organisation, submitted_by=submitted_by)
        cleaned = clean_form(version, data)
        attachments = _attachments(version, applicant=actor, organisation=organisation, uploads=uploads or {}, submitted_by=submitted_by or guardian)
    except (ValidationError, Conflict, NotFound):
        # a retry whose first attempt succeeded answers that application, even if the item has changed since
        existing = idempotency.first(once)
        if existing is None:
            raise
        return Submitted(idempotency.found(existing).row, False)
    written: dict = {}

    def make() -> Application:
        application = Application(
            item=item, version=version, department=item.department, applicant=actor, organisation=organisation,
            submitted_by=submitted_by or guardian, channel=Application.Channel.WINDOW if submitted_by else Application.Channel.ONLINE,
            idempotency_key=once.key, idempotency_fingerprint=once.fingerprint, materials_total=len(attachments),
            materials_saved=sum(1 for _m, credential, _u in attachments if credential is not None),
            due_at=workdays.deadline(timezone.now(), version.time_limit_days), bundle_application=bundle_application,
        )
        fee = version.fee_for(cleaned)
        if fee:
            application.status = Status.AWAITING_PAYMENT  # reviewed (or 秒批) once paid
        application.data = cleaned
        references.insert_numbered(application, _new_number)
        written["attachments"] = AttachedMaterial.objects.bulk_create(
            [AttachedMaterial(application=application, material=m, credential=c, upload=u) for m, c, u in attachments]
        )
        label = step_label(submitted_by, _("窗口")) if submitted_by else step_label(guardian, _("家人代办")) if guardian else step_label(actor, _("申请人"))
        instant = not fee and bool(version.approval_rules)  # 秒批: one task notifies "submitted" and approves
        written["timeline"] = [record_step(application, application.status, actor=submitted_by or guardian or actor, label=label, notify=not instant)]
        _submitted_next(application, fee=fee, submitted_by=submitted_by, guardian=guardian, notice=written["timeline"][0] if instant else None)
        return application

    keyed = idempotency.create(once, make, savepoint=False)  # make's first write: the application, in insert_numbered's savepoint
    if keyed.created:  # the answer shows the materials and the timeline: the rows just written, not read back
        keyed.row._prefetched_objects_cache = dict(written)
    return Submitted(keyed.row, keyed.created)


def _submitted_next(application: Application, *, fee: int, submitted_by: User | None, guardian: User | None = None, notice=None) -> None:
    """After the rows of a submission: its audit event, then the fee order (when the item charges one)
    or 秒批 (when it has rules) — one task, which sends ``notice`` (the "submitted" step) first. The 秒批
    task is sent after commit with no outbox row of its own: until it runs, ``notice`` is unnotified,
    and the sweep ``services.tasks.resend_instant_approvals`` sends it again if the send was lost."""
    applicant, item, version = application.applicant, application.item, application.version
    if guardian is not None:  # 家庭代办: the guardian acted, the dependant's data was used (both in one event)
        audit_record(action=AuditEvent.Action.APPLICATION_SUBMITTED, actor=guardian, subject=applicant,
                     actor_description=_("家人 %(name)s（代办）") % {"name": masking.shown("name", guardian.name, viewer=masking.Viewer.DISPLAY)},
                     detail={"application": application.number, "item": item.name, "family": True})
    elif submitted_by is not None:
        audit_record(action=AuditEvent.Action.APPLICATION_SUBMITTED_FOR, actor=submitted_by, subject=applicant,
                     actor_description=f"{submitted_by.service_hall or ''} {masking.staff_name(submitted_by)}".strip(),
                     detail={"application": application.number, "item": item.name})
    else:
        audit_record(action=AuditEvent.Action.APPLICATION_SUBMITTED, actor=applicant, subject=applicant,
                     subject_organisation=application.organisation, detail={"application": application.number, "item": item.name})
    if fee:
        order_open(actor=applicant, purpose="application", reference=application.number, amount_fen=fee,
                   description=f"{item.name} {version.fees}"[:128])
    elif version.approval_rules:  # no outbox row: the unnotified "submitted" step says the task is owed (services.tasks.resend_instant_approvals)
        send_on_commit("services.instant_approval", application.pk, notice.pk)


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@use_case(audit=AuditEvent.Action.APPLICATION_STEP)
def application_withdraw(*, actor: User, application: Application, comment: str = "") -> Application:
    """Withdraw an application under review. A paid fee is refunded: decided here (the order shows
    退款处理中), sent to the payment platform after commit (payments.services.refund_send)."""
    return _end_by_applicant(actor, application, "withdraw", comment)


@use_case(audit=AuditEvent.Action.APPLICATION_STEP)
def application_cancel(*, actor: User, application: Application, comment: str = "") -> Application:
    """Cancel an application still awaiting its fee (待缴费): nothing was paid; the order is closed."""
    return _end_by_applicant(actor, application, "cancel", comment)


def _end_by_applicant(applicant: User, application: Application, action: str, comment: str) -> Application:
    if application.applicant_id != applicant.pk:
        raise NotFound()
    audit_record(action=AuditEvent.Action.APPLICATION_STEP, actor=applicant, subject=applicant,
                 detail={"application": application.number, "step": action})
    if action == "cancel":  # the status reads 已撤回 either way; the timeline says which it was
        comment = _("缴费前取消申请。") + (f" {comment}" if comment else "")
    application = move(application, action, actor=applicant, label=step_label(applicant, _("申请人")), comment=comment)
    settle_fee(application, actor=applicant, reason="withdrawn" if action == "withdraw" else "cancelled")
    return application


@step
def settle_fee(application: Application, *, actor: User | SystemActor, reason: str) -> None:
    """An application that ends without a result gives its fee back (or closes its unpaid order)."""
    order = payment_selectors.order_to_settle(purpose="application", reference=application.number)
    if order is not None:
        order_refund(actor=actor, order=order, reason=reason)


@step
def fee_paid(order: Order) -> None:
    """The fee arrived (payments.services.order_paid): the application goes to review, or to 秒批."""
    application = Application.objects.filter(number=order.reference, status=Status.AWAITING_PAYMENT).select_related("version").first()
    if application is None:
        return
    move(application, "paid", actor=None, label=_("System"), comment=_("Fee paid: %(amount)s yuan.") % {"amount": order.yuan})
    if application.version.approval_rules:
        enqueue_on_commit("services.instant_approval", application.pk)


@use_case(audit=AuditEvent.Action.APPLICATION_STEP)
def application_resubmit(*, actor: User, application: Application, data: dict | None = None, uploads: dict | None = None) -> Application:
    """Answer a supplement request: corrected form answers and/or new uploads. A material key that is
    not one of the item's materials is refused with 400, like any other bad field."""
    if application.applicant_id != actor.pk:
        raise NotFound()
    if data is not None:
        application.data = {**application.data, **clean_form(application.version, {**application.data, **data})}
        application.save(update_fields=["data_json"])
    if uploads is not None and not isinstance(uploads, dict):
        raise ValidationError({"uploads": [_("Uploads must be an object of material id to upload id.")]})
    materials = {str(material.pk): material for material in application.version.materials.all()}
    for material_id, upload_id in (uploads or {}).items():
        material = materials.get(str(material_id))
        upload = Upload.objects.filter(pk=upload_id, owner=actor).first() if _is_uuid(upload_id) else None
        if material is None or upload is None:
            raise ValidationError({f"uploads.{material_id}": [_("Upload not found.")]})
        AttachedMaterial.objects.create(application=application, material=material, upload=upload)
    audit_record(action=AuditEvent.Action.APPLICATION_STEP, actor=actor, subject=actor,
                 detail={"application": application.number, "step": "resubmit"})
    return move(application, "resubmit", actor=actor, label=step_label(actor, _("申请人")))
