"""一件事: one submission for several departments' items. The citizen answers each question once (parts'
form fields with the same key, or mapped to one in ``BundlePart.field_map``, are one question) and
gives each material once (a credential type, or an upload by material name, serves every part that
asks for it). Each part is an ordinary application of its item — its department's workflow, reviewer
queue and 秒批 rules — made at submission, or, for a part that needs another's result, as soon as that
one completes (its result credential is then in the wallet and fills it, 免证办). The bundle completes
when every part has; a rejected part stops it, with the department's reason and what to do next."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import idempotency, quotas, references
from core.errors import Conflict, DomainError
from core.idempotency import Keyed
from core.usecases import step, use_case
from identity.models import AuditEvent, User
from identity.notices import named, words
from identity.services import audit_record, notice_send
from services.models import Application, Bundle, BundleApplication, BundlePart, Status
from services.selectors import bundle_parts, material_key
from services.services.applications import application_submit, clean_form


def _part_data(part: BundlePart, answers: dict) -> dict:
    version = part.item.current_version
    return {spec["key"]: answers[part.field_map.get(spec["key"], spec["key"])] for spec in version.form_schema
            if answers.get(part.field_map.get(spec["key"], spec["key"])) not in (None, "")}


def _part_uploads(part: BundlePart, uploads: dict) -> dict:
    return {str(m.pk): uploads[material_key(m)] for m in part.item.current_version.materials.select_related("credential_type")
            if material_key(m) in uploads}


@step
def _start(bundle_application: BundleApplication, part: BundlePart) -> Application:
    submitted = application_submit(actor=bundle_application.applicant, item=part.item, data=_part_data(part, bundle_application.data),
                                   uploads=_part_uploads(part, bundle_application.uploads), idempotency_key=f"{bundle_application.number}:{part.pk}",
                                   bundle_application=bundle_application)
    return submitted.application


@use_case(audit=AuditEvent.Action.APPLICATION_SUBMITTED)
def bundle_submit(*, actor: User, bundle: Bundle, data: dict, uploads: dict | None = None,
                  idempotency_key: str = "") -> Keyed[BundleApplication]:
    """Apply for the whole bundle: every part's answers are checked first (nothing is made if any is
    wrong); the parts that need no other's result are submitted now, the rest as their turn comes.
    With an ``Idempotency-Key``, a retry answers the first bundle application (``core.idempotency``)."""
    # uploads are not compared (as for an application): a portal form sent twice uploads its files twice
    once = idempotency.keyed(BundleApplication.objects.filter(applicant=actor), idempotency_key, {"bundle": bundle.code, "data": data})
    existing = idempotency.first(once)
    if existing is not None:
        return idempotency.found(existing)
    quotas.take("applications", actor.pk)
    if not bundle.is_active:
        raise Conflict(_("This bundle is not offered now."), code="item_unavailable")
    if not isinstance(data, dict) or not isinstance(uploads or {}, dict):
        raise ValidationError({"data": [_("Answers must be an object.")]})
    parts, errors = bundle_parts(bundle), {}
    for part in parts:
        try:
            clean_form(part.item.current_version, _part_data(part, data))
        except ValidationError as invalid:
            reverse = {item_key: bundle_key for item_key, bundle_key in part.field_map.items()}
            for key, messages in invalid.message_dict.items():
                item_key = key.removeprefix("data.")
                errors[f"data.{reverse.get(item_key, item_key)}"] = messages
    if errors:
        raise ValidationError(errors)

    def make() -> BundleApplication:
        made = BundleApplication(bundle=bundle, applicant=actor,
                                 uploads=uploads or {}, idempotency_key=once.key, idempotency_fingerprint=once.fingerprint)
        made.data = data
        references.insert_numbered(made, lambda: references.drawn("YJS", 8))
        return made

    keyed = idempotency.create(once, make)
    if not keyed.created:
        return keyed
    bundle_application = keyed.row
    audit_record(action=AuditEvent.Action.APPLICATION_SUBMITTED, actor=actor, subject=actor,
                 detail={"bundle": bundle_application.number, "item": bundle.name})
    for part in parts:
        if part.after_id is None:
            _start(bundle_application, part)
    return keyed


def _locked(application: Application) -> BundleApplication | None:
    if not application.bundle_application_id:
        return None
    return BundleApplication.objects.select_for_update(no_key=True).filter(pk=application.bundle_application_id,
                                                                             status=BundleApplication.Status.IN_PROGRESS).first()


@step
def advance(application: Application) -> None:
    """A part completed: start the parts that waited for it; close the bundle when all have completed."""
    bundle_application = _locked(application)
    if bundle_application is None:
        return
    part = BundlePart.objects.filter(bundle=bundle_application.bundle_id, item=application.item_id).first()
    for waiting in BundlePart.objects.filter(after=part).select_related("item__current_version", "item__department").order_by("position"):
        try:
            with transaction.atomic():
                _start(bundle_application, waiting)
        except (ValidationError, DomainError) as refused:
            message = "; ".join(refused.messages) if isinstance(refused, ValidationError) else refused.message
            _stop(bundle_application, waiting.item, message)
            return
    started = set(bundle_application.parts.values_list("item_id", flat=True))
    if started == set(BundlePart.objects.filter(bundle=bundle_application.bundle_id).values_list("item_id", flat=True)) and \
            not bundle_application.parts.exclude(status=Status.COMPLETED).exists():
        bundle_application.status, bundle_application.completed_at = BundleApplication.Status.COMPLETED, timezone.now()
        bundle_application.save(update_fields=["status", "completed_at"])
        notice_send(user=bundle_application.applicant, kind="bundle_completed",
                    title=words(gettext_lazy("%(bundle)s: every part is done"), bundle=named(bundle_application.bundle)),
                    url=f"/services/bundle-applications/{bundle_application.number}/")


def _stop(bundle_application: BundleApplication, item, reason) -> None:
    note = words(gettext_lazy("%(item)s was not approved: %(reason)s. The parts already done stay valid; change what the department "
                              "asks and apply for %(item)s on its own, or call 12345."), item=named(item), reason=reason)
    bundle_application.status = BundleApplication.Status.STOPPED
    bundle_application.note = str(note)
    bundle_application.save(update_fields=["status", "note"])
    notice_send(user=bundle_application.applicant, kind="bundle_stopped",
                title=words(gettext_lazy("%(bundle)s stopped"), bundle=named(bundle_application.bundle)),
                body=note, url=f"/services/bundle-applications/{bundle_application.number}/")


@step
def stop(application: Application, reason: str) -> None:
    """A part was rejected: the bundle stops there; the parts that waited for it never start."""
    bundle_application = _locked(application)
    if bundle_application is not None:
        _stop(bundle_application, application.item, reason or gettext_lazy("no reason given"))
