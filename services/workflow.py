"""Applying and processing: forms and pre-fill, 免证办 materials, uploads checked by content, the
state machine with its timeline, idempotent submission, 秒批 rules, results into the wallet, and
notifications sent after commit, exactly once."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from core.errors import Conflict, NotFound
from core.numbers import validate_id_number, validate_phone
from core.outbox import enqueue_on_commit
from core.people import mask_id_number
from credentials.models import Credential, HolderKind
from credentials.selectors import valid_credential
from credentials.services import add_years, credential_issue
from identity.models import ApiClient, AuditEvent, Organisation, User
from identity.services import audit_record, may_act_for
from services.models import OPEN_STATUSES, Application, AttachedMaterial, ItemVersion, Material, ServiceItem, Status, Transition, Upload

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


# --- forms --------------------------------------------------------------------------------------


def _holder(applicant: User, organisation: Organisation | None) -> tuple[str, str, str]:
    if organisation is not None:
        return HolderKind.ORGANISATION, organisation.credit_code, organisation.name
    return HolderKind.PERSON, applicant.id_number, applicant.name


def prefill(version: ItemVersion, applicant: User, organisation: Organisation | None = None) -> dict:
    """Values the state already holds: ``identity.name|id_number|phone`` or ``credential:<type>.<field>``."""
    kind, number, _name = _holder(applicant, organisation)
    values, held = {}, {}
    for field in version.form_schema:
        source = field.get("prefill", "")
        if source.startswith("identity."):
            values[field["key"]] = {"name": applicant.name, "id_number": applicant.id_number, "phone": applicant.phone or ""}.get(source[9:], "")
        elif source.startswith("credential:"):
            type_code, _dot, key = source[11:].partition(".")
            if type_code not in held:
                held[type_code] = valid_credential(holder_kind=kind, holder_number=number, type_code=type_code)
            credential = held[type_code]
            if credential is not None:
                values[field["key"]] = credential.holder_number if key == "holder_number" else credential.fields.get(key, "")
    return {key: value for key, value in values.items() if value}


def clean_form(version: ItemVersion, raw) -> dict:
    """Server-side validation of the item's form, with errors per field."""
    if not isinstance(raw, dict):
        raise ValidationError({"data": [_("The form data must be an object.")]})
    errors, cleaned = {}, {}
    for field in version.form_schema:
        key, kind = field["key"], field.get("type", "text")
        value = raw.get(key)
        value = "" if value is None else str(value).strip()
        if not value:
            if field.get("required", True):
                errors[key] = [_("This field is required.")]
            continue
        try:
            if kind == "date":
                value = dt.date.fromisoformat(value).isoformat()
            elif kind == "number":
                number = float(value)
                if ("min" in field and number < field["min"]) or ("max" in field and number > field["max"]):
                    raise ValidationError(_("Enter a number between %(min)s and %(max)s.") % {"min": field.get("min", "…"), "max": field.get("max", "…")})
            elif kind == "choice" and value not in field["choices"]:
                raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(field["choices"])})
            elif kind == "id_number":
                value = validate_id_number(value)
            elif kind == "phone":
                value = validate_phone(value)
            if field.get("pattern") and not re.fullmatch(field["pattern"], value):
                raise ValidationError(field.get("pattern_message") or _("This value has the wrong format."))
            if len(value) > int(field.get("max_length", 500)):
                raise ValidationError(_("This value is too long."))
        except ValueError:
            errors[key] = [_("Use a date like 2020-01-31.") if kind == "date" else _("Enter a number.")]
            continue
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        cleaned[key] = value
    unknown = set(raw) - {field["key"] for field in version.form_schema}
    for key in sorted(unknown):
        errors[key] = [_("This field is not part of the form.")]
    if errors:
        raise ValidationError({f"data.{key}": value for key, value in errors.items()})
    return cleaned


def held_materials(version: ItemVersion, applicant: User, organisation: Organisation | None = None) -> list[tuple[Material, Credential | None]]:
    """Each material with the valid credential that satisfies it, if the applicant holds one (免证办)."""
    kind, number, _name = _holder(applicant, organisation)
    result = []
    for material in version.materials.select_related("credential_type"):
        credential = None
        if material.kind == Material.Kind.CREDENTIAL and material.credential_type_id:
            credential = valid_credential(holder_kind=kind, holder_number=number, type_code=material.credential_type.code)
        result.append((material, credential))
    return result


# --- uploads ------------------------------------------------------------------------------------


def _upload_path(upload: Upload) -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads" / upload.id.hex[:2] / upload.id.hex


def upload_store(*, owner: User, name: str, content: bytes) -> Upload:
    """Accept an image (PNG, JPEG) or a PDF, judged by its content, not its name. Size is checked
    before anything is decoded; images are fully decoded under a pixel limit (decompression bombs
    fail); files are stored under a generated name."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_("The file is larger than 10 MB.")]})
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content[-1024:]:
            raise ValidationError({"file": [_("The PDF is damaged or incomplete.")]})
        content_type = "application/pdf"
    elif content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(content), formats=["PNG", "JPEG"]) as image:
                    if image.width * image.height > MAX_IMAGE_PIXELS:
                        raise ValidationError({"file": [_("The image has too many pixels.")]})
                    image.load()
                    content_type = Image.MIME[image.format]
        except (OSError, Image.DecompressionBombError, Image.DecompressionBombWarning, SyntaxError):
            raise ValidationError({"file": [_("The image cannot be read.")]}) from None
    else:
        raise ValidationError({"file": [_("Upload a PDF, PNG or JPEG file.")]})
    upload = Upload(owner=owner, original_name=Path(name or "file").name[:255], content_type=content_type, size=len(content),
                    sha256=hashlib.sha256(content).hexdigest())
    path = _upload_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    upload.save()
    return upload


def upload_read(upload: Upload) -> bytes:
    return _upload_path(upload).read_bytes()


# --- submission ---------------------------------------------------------------------------------


def _new_number() -> str:
    return f"QL{timezone.localdate():%Y%m%d}{secrets.randbelow(10**8):08d}"


def _label(user: User | None, role: str) -> str:
    if user is None:
        return _("System (秒批)")
    return f"{role} {user.masked_name}"


def _record(application: Application, to_status: str, *, actor: User | None, label: str, comment: str = "") -> Transition:
    transition = Transition.objects.create(application=application, from_status=application.status if application.pk else "",
                                           to_status=to_status, actor=actor, actor_label=label, comment=comment)
    from services.tasks import send_transition_notice

    enqueue_on_commit(send_transition_notice, transition.pk)
    return transition


@dataclass
class Submitted:
    application: Application
    created: bool


def application_submit(*, applicant: User, item: ServiceItem, data: dict, uploads: dict | None = None, organisation: Organisation | None = None,
                       idempotency_key: str = "", submitted_by: User | None = None, request: HttpRequest | None = None) -> Submitted:
    """Submit an application. With an ``Idempotency-Key``, a retry or double tap returns the first
    application (created=False) instead of making a second one."""
    idempotency_key = (idempotency_key or "")[:128]
    if idempotency_key:
        existing = Application.objects.filter(applicant=applicant, idempotency_key=idempotency_key).first()
        if existing is not None:
            return Submitted(existing, False)
    version = item.current_version
    if not item.is_active or version is None or not version.is_published:
        raise Conflict(_("This item cannot be applied for right now."), code="item_unavailable")
    if not item.online and submitted_by is None:
        raise Conflict(_("This item is handled at the service window only."), code="offline_only")
    if (item.applicant_kind == HolderKind.ORGANISATION) != (organisation is not None):
        raise ValidationError({"organisation": [_("This item is for organisations.") if organisation is None else _("This item is for individuals.")]})
    if organisation is not None and not may_act_for(user=applicant, organisation=organisation, scope="services.apply"):
        raise NotFound(_("Not found."), code="not_found")
    cleaned = clean_form(version, data)

    uploads = uploads or {}
    attachments, errors = [], {}
    for material, credential in held_materials(version, applicant, organisation):
        upload_id = uploads.get(str(material.pk))
        if credential is not None:
            attachments.append((material, credential, None))
        elif upload_id:
            upload = Upload.objects.filter(pk=upload_id, owner__in=[u for u in (applicant, submitted_by) if u]).first() if _is_uuid(upload_id) else None
            if upload is None:
                errors[f"uploads.{material.pk}"] = [_("Upload not found.")]
            else:
                attachments.append((material, None, upload))
        elif material.required:
            errors[f"uploads.{material.pk}"] = [_("Please upload: %(name)s") % {"name": material.name}]
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            application = Application(
                number=_new_number(), item=item, version=version, department=item.department, applicant=applicant, organisation=organisation,
                submitted_by=submitted_by, channel=Application.Channel.WINDOW if submitted_by else Application.Channel.ONLINE,
                idempotency_key=idempotency_key, materials_total=len(attachments),
                materials_saved=sum(1 for _m, credential, _u in attachments if credential is not None),
                due_at=timezone.now() + dt.timedelta(days=version.time_limit_days),
            )
            application.data = cleaned
            application.save()
            AttachedMaterial.objects.bulk_create(
                [AttachedMaterial(application=application, material=m, credential=c, upload=u) for m, c, u in attachments]
            )
            label = _label(submitted_by, _("窗口")) if submitted_by else _label(applicant, _("申请人"))
            _record(application, Status.SUBMITTED, actor=submitted_by or applicant, label=label)
            if submitted_by is not None:
                audit_record(action=AuditEvent.Action.APPLICATION_SUBMITTED_FOR, actor=submitted_by, subject=applicant,
                             actor_description=f"{submitted_by.service_hall or ''} {submitted_by.masked_name}".strip(),
                             detail={"application": application.number, "item": item.name}, request=request)
            if version.approval_rules:
                from services.tasks import instant_approval

                enqueue_on_commit(instant_approval, application.pk)
    except IntegrityError:
        existing = Application.objects.filter(applicant=applicant, idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return Submitted(existing, False)
    return Submitted(application, True)


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- the state machine --------------------------------------------------------------------------

ALLOWED = {
    "accept": ((Status.SUBMITTED, Status.RESUBMITTED), Status.ACCEPTED),
    "supplement": ((Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED), Status.SUPPLEMENT),
    "resubmit": ((Status.SUPPLEMENT,), Status.RESUBMITTED),
    "approve": ((Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED), Status.APPROVED),
    "reject": ((Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED), Status.REJECTED),
    "withdraw": (OPEN_STATUSES, Status.WITHDRAWN),
    "complete": ((Status.APPROVED,), Status.COMPLETED),
}


def _move(application: Application, action: str, *, actor: User | None, label: str, comment: str = "") -> Application:
    sources, target = ALLOWED[action]
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in sources:
            raise Conflict(_("This application is %(status)s; that step is not possible now.") % {"status": locked.get_status_display()},
                               code="wrong_state")
        _record(locked, target, actor=actor, label=label, comment=comment)
        locked.status = target
        if target in (Status.APPROVED, Status.REJECTED):
            locked.decided_at = timezone.now()
        locked.save()
    return locked


def _staff_check(reviewer: User, application: Application, *, claimed: bool = True) -> None:
    if not reviewer.has_perm("services.review_application") or reviewer.department_id != application.department_id:
        raise NotFound(_("Not found."), code="not_found")
    if claimed and application.assigned_to_id != reviewer.pk:
        raise Conflict(_("Claim the application first."), code="not_claimed")


def application_claim(*, reviewer: User, application: Application) -> Application:
    _staff_check(reviewer, application, claimed=False)
    claimed = Application.objects.filter(pk=application.pk, assigned_to__isnull=True).update(assigned_to=reviewer)
    application.refresh_from_db()
    if not claimed and application.assigned_to_id != reviewer.pk:
        raise Conflict(_("Someone else has claimed this application."), code="claimed_by_other")
    return application


def application_review(*, reviewer: User, application: Application, action: str, comment: str = "", request: HttpRequest | None = None) -> Application:
    """accept, supplement (say what is missing), approve (issues the result), or reject (with reason)."""
    if action not in ("accept", "supplement", "approve", "reject"):
        raise ValidationError({"action": [_("Unknown action.")]})
    _staff_check(reviewer, application)
    if action in ("supplement", "reject") and not comment.strip():
        raise ValidationError({"comment": [_("Say what is missing or why.")]})
    audit_record(action=AuditEvent.Action.APPLICATION_VIEWED, actor=reviewer, subject=application.applicant,
                 actor_description=f"{reviewer.department} {reviewer.masked_name}", detail={"application": application.number, "step": action},
                 request=request)
    application = _move(application, action, actor=reviewer, label=_label(reviewer, _("审核")), comment=comment.strip())
    if action == "approve":
        application = _complete(application)
    return application


def application_withdraw(*, applicant: User, application: Application, comment: str = "") -> Application:
    return _move(application, "withdraw", actor=applicant, label=_label(applicant, _("申请人")), comment=comment)


def application_resubmit(*, applicant: User, application: Application, data: dict | None = None, uploads: dict | None = None) -> Application:
    """Answer a supplement request: corrected form answers and/or new uploads."""
    with transaction.atomic():
        if data is not None:
            application.data = {**application.data, **clean_form(application.version, {**application.data, **data})}
            application.save(update_fields=["data_json"])
        for material_id, upload_id in (uploads or {}).items():
            material = application.version.materials.filter(pk=material_id).first()
            upload = Upload.objects.filter(pk=upload_id, owner=applicant).first() if _is_uuid(upload_id) else None
            if material is None or upload is None:
                raise ValidationError({f"uploads.{material_id}": [_("Upload not found.")]})
            AttachedMaterial.objects.create(application=application, material=material, upload=upload)
        return _move(application, "resubmit", actor=applicant, label=_label(applicant, _("申请人")))


# --- 秒批 and results ---------------------------------------------------------------------------


def _age(id_number: str) -> int:
    birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    today = timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _compare(value, op: str, expected) -> bool:
    checks = {
        "eq": lambda: value == expected, "ne": lambda: value != expected, "in": lambda: value in (expected or []),
        "lte": lambda: float(value) <= float(expected), "gte": lambda: float(value) >= float(expected),
        "lt": lambda: float(value) < float(expected), "gt": lambda: float(value) > float(expected),
    }
    try:
        return bool(checks[op]())
    except (TypeError, ValueError, KeyError):
        return False


def failing_approval_rule(application: Application) -> str | None:
    """The name of the first 秒批 rule that does not hold, or None when all hold."""
    kind, number, _name = _holder(application.applicant, application.organisation)
    data = application.data
    for rule in application.version.approval_rules:
        if rule["kind"] == "credential_valid":
            holds = valid_credential(holder_kind=kind, holder_number=number, type_code=rule["type"]) is not None
        elif rule["kind"] == "field":
            holds = _compare(data.get(rule["field"]), rule.get("op", "eq"), rule.get("value"))
        elif rule["kind"] == "applicant_age":
            holds = _compare(_age(application.applicant.id_number), rule.get("op", "gte"), rule.get("value"))
        elif rule["kind"] == "all_materials_held":
            holds = all(credential is not None or not material.required for material, credential in held_materials(application.version,
                        application.applicant, application.organisation) if material.kind == Material.Kind.CREDENTIAL)
        else:
            holds = False
        if not holds:
            return rule["name"]
    return None


def instant_approve(application: Application) -> Application:
    """秒批: when every rule holds, approve with no staff; otherwise name the failing rule and leave
    the application in its department's queue."""
    if application.status != Status.SUBMITTED:
        return application
    failing = failing_approval_rule(application)
    if failing:
        Application.objects.filter(pk=application.pk).update(failing_rule=failing[:255])
        application.failing_rule = failing
        return application
    label = _label(None, "")
    application = _move(application, "accept", actor=None, label=label)
    application = _move(application, "approve", actor=None, label=label, comment=_("All approval rules hold."))
    return _complete(application)


def issuing_client(department) -> ApiClient:
    """The platform's own issuing system for a department's results (no secret: never used over HTTP)."""
    client = ApiClient.objects.filter(key_id=f"results-{department.code}"[:32]).first()
    if client is None:
        client = ApiClient(key_id=f"results-{department.code}"[:32], name=f"{department.name}办件结果签发", department=department,
                           scopes=["credentials.issue"], secret_hash="!")
        client.save()
    return client


def _complete(application: Application) -> Application:
    """Issue the result into the wallet (when the item has one) and close the application."""
    version = application.version
    with transaction.atomic():
        if version.result_credential_type_id:
            ctype = version.result_credential_type
            client = issuing_client(application.department)
            ctype.issuers.add(client)
            kind, number, name = _holder(application.applicant, application.organisation)
            data = application.data
            fields = {spec["key"]: data.get(spec["key"], "") for spec in ctype.field_schema}
            fields = {key: value for key, value in fields.items() if value}
            today = timezone.localdate()
            issued = credential_issue(client=client, data={
                "type": ctype.code, "record_id": application.number, "holder_number": number, "holder_name": name, "fields": fields,
                "issued_on": today, "expires_on": add_years(today, version.result_validity_years) if version.result_validity_years else None,
            })
            Application.objects.filter(pk=application.pk).update(result_credential=issued.credential)
        application = _move(application, "complete", actor=None, label=_("System"), comment=_("Result issued to the wallet.")
                            if version.result_credential_type_id else "")
    return application


def mark_overdue() -> int:
    """Flag open applications past their promised time and tell their department's reviewers."""
    from identity.services import notice_send

    now = timezone.now()
    late = list(Application.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now, overdue=False).select_related("assigned_to"))
    Application.objects.filter(pk__in=[a.pk for a in late]).update(overdue=True)
    for application in late:
        reviewers = [application.assigned_to] if application.assigned_to else User.objects.filter(
            department=application.department_id, groups__permissions__codename="review_application").distinct()
        for reviewer in reviewers:
            notice_send(user=reviewer, kind="application_overdue", title=_("Overdue: %(number)s") % {"number": application.number},
                        url=f"/services/workbench/{application.number}/")
    return len(late)


def masked_applicant(application: Application) -> str:
    return f"{application.applicant.masked_name} {mask_id_number(application.applicant.id_number)}"
