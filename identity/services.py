"""Identity use cases: registration with real-name checks, organisations and agents, base records,
and the audit trail. Every function that changes state takes the acting user and checks permission."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import context, partitions, ratelimits
from core.errors import Forbidden, Invalid, NotFound, Unavailable
from core.imports import ImportReport, row_import  # noqa: F401 (ImportReport: importers elsewhere name it from here)
from core.numbers import validate_credit_code, validate_id_number, validate_phone
from core.people import birth_date as id_number_birth_date
from core.people import gender as id_number_gender
from core.usecases import SystemActor, note_audit, pure, side_effect, step, unchanged, use_case
from identity import crypto, exports, masking, signals
from identity.actions import check as check_action
from identity.models import (
    AgentAuthorisation,
    AgentScope,
    ApiClient,
    AuditEvent,
    LegalEntityRecord,
    Notice,
    Organisation,
    PopulationRecord,
    User,
    id_number_index,
    id_number_indexes,
    phone_indexes,
)
from identity.notices import Words, notice_fields

MAX_AGENT_VALIDITY = dt.timedelta(days=3 * 365)


def audit_record(*, action: str, **fields) -> AuditEvent:  # the audit writer itself: counted by the use case around it (core.usecases)
    """Append one audit event (the fields of ``audit_event``), in the caller's transaction. ``detail``
    must hold no plaintext personal numbers. The client's address comes from the request context
    (trusted-proxy aware)."""
    note_audit(action)
    event = audit_event(action=action, source_ip=context.client_ip.get(), **fields)
    event.save(force_insert=True)
    return event


@pure
def audit_event(
    *,
    action: str,
    actor: User | None = None,
    subject: User | None = None,
    actor_organisation: Organisation | None = None,
    subject_organisation: Organisation | None = None,
    actor_description: str = "",
    detail: dict | None = None,
    purpose: str = "",
    source_ip: str | None = None,
    created_at=None,
) -> AuditEvent:
    """The one shape of an audit event, unsaved: ``audit_record`` saves one in a use case; the check
    journal's writers save many at once (``bulk_create``) for records a use case already counted."""
    check_action(action)  # bulk writers skip save(): the vocabulary is checked here too
    if purpose:
        detail = {**(detail or {}), "purpose": purpose}
    return AuditEvent(
        action=action,
        actor=actor if (actor is not None and actor.pk) else None,
        subject=subject,
        actor_organisation=actor_organisation,
        subject_organisation=subject_organisation,
        actor_description=actor_description,
        detail=detail or {},
        source_ip=source_ip,
        **({"created_at": created_at} if created_at else {}),
    )


audit_record.audit_writer = True  # the writer every use case calls; sign-in signals call it alone (one row, atomic by itself)


@side_effect
def notice_send(*, user: User | None, kind: str, title: str | Words, body: str | Words = "", url: str = "", read: bool = False) -> Notice | None:
    """Put a notice in a person's in-app inbox (nobody to tell when the holder has no account yet).
    ``title``/``body`` as ``identity.notices.words(...)``: the reader reads them in their own language.
    ``read``: a receipt for what the person just did themselves — kept in their messages, not counted as unread."""
    if user is None:
        return None
    return Notice.objects.create(user=user, kind=kind, url=url, read_at=timezone.now() if read else None, **notice_fields(title=title, body=body))


def _admin_subject(record) -> User | None:
    """Whose data an admin write touches: a staff or citizen account, or the person behind a row of
    the population base; nobody's for reference data (departments, halls, API clients)."""
    if isinstance(record, User):
        return record if record.pk else None
    if isinstance(record, PopulationRecord):
        return User.objects.filter(id_number_index=record.id_number_index).first()
    return None


def _admin_permission(actor: User, record, verb: str) -> None:
    opts = record._meta
    if not actor.has_perm(f"{opts.app_label}.{verb}_{opts.model_name}"):
        raise Forbidden(_("You may not do this."), code="permission_denied")


@use_case(audit=AuditEvent.Action.ADMIN_RECORD_CHANGED)
def admin_record_save(*, actor: User, record, changed: Iterable[str], write: Callable[[], object]):
    """A record added or changed in Django admin (accounts and their roles, base records, departments,
    halls, API clients): ``write`` is admin's own save of the form, its inline rows and many-to-many
    fields, run in this use case's transaction beside its audit event (field names only, never
    values). Admin checked the model permission; this checks it again."""
    created = record.pk is None
    _admin_permission(actor, record, "add" if created else "change")
    write()
    audit_record(action=AuditEvent.Action.ADMIN_RECORD_CHANGED, actor=actor, subject=_admin_subject(record),
                 detail={"model": record._meta.label_lower, "record": record.pk, "step": "added" if created else "changed",
                         "fields": sorted(changed)})
    return record


@use_case(audit=AuditEvent.Action.ADMIN_RECORD_CHANGED)
def admin_record_delete(*, actor: User, record) -> None:
    """A record deleted in Django admin, with its audit event."""
    _admin_permission(actor, record, "delete")
    subject = None if isinstance(record, User) else _admin_subject(record)  # a deleted account is nobody's subject any more
    detail = {"model": record._meta.label_lower, "record": record.pk, "step": "deleted"}
    record.delete()
    audit_record(action=AuditEvent.Action.ADMIN_RECORD_CHANGED, actor=actor, subject=subject, detail=detail)


@use_case(audit=AuditEvent.Action.ADMIN_RECORD_CHANGED)
def admin_records_import(*, actor: User, model: type, run: Callable[[], tuple[object, dict[str, int]]],
                         verbs: tuple[str, ...] = ("add", "change")):
    """A file import in Django admin (django-import-export's confirmed import, the credential bulk
    import): ``run`` imports the rows in this use case's transaction and returns its result with the
    rows added, changed and deleted, recorded in one audit event naming who imported (counts only,
    never values). An import that changed nothing (or failed and rolled back) owes no event. Admin
    checked its own permission; this checks that the actor may ``verbs`` the model."""
    for verb in verbs:
        if not actor.has_perm(f"{model._meta.app_label}.{verb}_{model._meta.model_name}"):
            raise Forbidden(_("You may not do this."), code="permission_denied")
    result, counts = run()
    if not any(counts.values()):
        unchanged()
        return result
    audit_record(action=AuditEvent.Action.ADMIN_RECORD_CHANGED, actor=actor,
                 detail={"model": model._meta.label_lower, "step": "imported", **{kind: count for kind, count in counts.items() if count}})
    return result


@use_case(audit=AuditEvent.Action.RETENTION_APPLIED)
def retention_apply(*, actor: User | SystemActor, today: dt.date | None = None) -> list[str]:
    """Detach the monthly partitions older than each table's retention (core/partitions.py): their
    rows leave the live tables and wait, as tables of their own, to be archived and dropped."""
    if not actor.has_perm("identity.view_auditevent"):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    expired = partitions.expired(today)
    if not expired:
        unchanged()
        return []
    for table, name in expired:
        partitions.detach(table, name)
    audit_record(action=AuditEvent.Action.RETENTION_APPLIED, actor=actor, actor_description="system",
                 detail={"detached": [name for _table, name in expired], "retention_months": partitions.tables()})
    return [name for _table, name in expired]


@use_case(audit=AuditEvent.Action.DATA_EXPORTED)
def personal_data_export(*, actor: User) -> dict:
    """Everything the platform holds about me, as one document; the export itself is recorded."""
    audit_record(action=AuditEvent.Action.DATA_EXPORTED, actor=actor, subject=actor)
    return exports.document_for(actor)


@use_case(audit=AuditEvent.Action.PREFERENCES_CHANGED)
def elder_mode_set(*, actor: User, on: bool) -> User:
    """Switch my account's pages to elder mode (长辈版) or back; every device I sign in on follows."""
    if actor.elder_mode == on:
        unchanged()
        return actor
    actor.elder_mode = on
    actor.save(update_fields=["elder_mode"])
    audit_record(action=AuditEvent.Action.PREFERENCES_CHANGED, actor=actor, subject=actor, detail={"elder_mode": on})
    return actor


@use_case(audit=AuditEvent.Action.NOTICES_READ)
def notice_mark_read(*, actor: User, pk: int | None = None) -> int:
    """Mark one of my notices (or all of them) as read; another person's notice is not found."""
    notices = Notice.objects.filter(user=actor)
    if pk is not None:
        if not notices.filter(pk=pk).exists():
            raise NotFound()
        notices = notices.filter(pk=pk)
    marked = notices.filter(read_at__isnull=True).update(read_at=timezone.now())
    if not marked:
        unchanged()
        return 0
    audit_record(action=AuditEvent.Action.NOTICES_READ, actor=actor, subject=actor, detail={"count": marked})
    return marked


# --- Real-name registration ---------------------------------------------------------------------


@pure
def user_prepare_registration(*, user: User, id_number: str, name: str, phone: str | None, password: str) -> User:
    """Fill a new (unsaved) account after ``registration_check`` passed."""
    user.set_id_number(id_number)
    user.name = name.strip()
    user.set_phone(phone, verified=False)
    user.set_password(password)
    user.real_name_verified_at = timezone.now()
    return user


@use_case(audit=(AuditEvent.Action.REAL_NAME_CHECK, AuditEvent.Action.SIGN_UP))
def user_registered(*, actor: User) -> None:
    """Audit a completed registration; called once the account row exists."""
    audit_record(action=AuditEvent.Action.REAL_NAME_CHECK, actor=actor, subject=actor, detail={"result": "match"})
    audit_record(action=AuditEvent.Action.SIGN_UP, actor=actor, subject=actor)
    signals.registration_completed.send(sender=User, user=actor)  # e.g. credentials issues the e-ID card after commit


# --- Password reset by SMS code -----------------------------------------------------------------
#
# 忘记密码 without e-mail: a six-digit code to the account's verified phone, then a new password. A
# request returns an opaque ticket (kept in the portal's session, returned to the app) whatever the
# number: an unknown number, or an account without a verified phone, gets a ticket no code opens, so
# the answer never says whether an account exists. The ticket lives in the cache for as long as a
# sign-in code; three wrong codes burn it. Rate limits per address and per number are the caller's
# (identity.password_reset.rate_limited, the same allauth limits as sign-in codes).

RESET_CACHE_PREFIX = "password_reset.ticket."
RESET_MAX_ATTEMPTS = 3


def _reset_key(ticket: str) -> str:
    return RESET_CACHE_PREFIX + hashlib.sha256(ticket.encode()).hexdigest()  # a cache key: a fingerprint, no secret


def _code_digest(ticket: str, code: str) -> str:
    """The reset code as kept in the cache for its few minutes: a MAC of the suite being written (identity.crypto)."""
    return crypto.mac_hex("password-reset-code/v1", f"{ticket}:{code}")


@pure
def reset_account(login: str) -> User | None:
    """The active account a reset may go to: named by ID number or mobile number, with a verified phone."""
    login = (login or "").strip()
    try:
        user = User.objects.filter(id_number_index__in=id_number_indexes(validate_id_number(login)), is_active=True).first()
    except ValidationError:
        try:
            user = User.objects.filter(phone_index__in=phone_indexes(validate_phone(login)), is_active=True).first()
        except ValidationError:
            user = None
    return user if user is not None and user.phone and user.phone_verified else None


@use_case(audit=AuditEvent.Action.PASSWORD_RESET)
def password_reset_code_send(*, actor: User | None, login: str) -> str:
    """Text a reset code to the verified phone of the account ``login`` names; return the ticket.
    ``actor``: the signed-in person resetting their own password, or None (anyone may ask; the answer
    is the same for every number)."""
    user = reset_account(login)
    ticket = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_reset_key(ticket), {"user": user.pk if user else None, "digest": _code_digest(ticket, code)},
              settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT)
    audit_record(action=AuditEvent.Action.PASSWORD_RESET, actor=actor, subject=user,
                 detail={"step": "code_sent" if user else "code_requested_for_unknown_account"})
    if user is not None:
        from identity.sms import sms_send

        minutes = settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60
        body = _("【爱山东·齐鲁通】重置密码验证码 %(code)s，%(minutes)d分钟内有效。如非本人操作请忽略，切勿告诉他人。") % {
            "code": code, "minutes": minutes}
        phone = user.phone
        transaction.on_commit(lambda: sms_send(phone=phone, body=body, purpose="password_reset"))
    return ticket


def _reset_ticket_user(ticket: str, code: str) -> User:
    """The account a ticket opens with this code; every try counts, the third wrong one burns the ticket."""
    message = _("验证码错误或已过期，请重新获取。")
    wrong = Invalid(message, code="invalid_code", errors={"code": [message]})
    key = _reset_key(ticket or "")
    try:  # the try is counted before the code is compared; uncounted, it is not answered (core.ratelimits: CLOSED)
        tries = ratelimits.count(key + ".tries", settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT)
    except ratelimits.Unavailable:
        raise Unavailable(_("暂时无法核对验证码，请稍后再试。"), code="codes_unavailable") from None
    state = cache.get(key)
    if not state or tries > RESET_MAX_ATTEMPTS:
        raise wrong
    if not hmac.compare_digest(state["digest"], _code_digest(ticket, (code or "").strip())) or state["user"] is None:
        if tries == RESET_MAX_ATTEMPTS:
            cache.delete(key)
        raise wrong
    user = User.objects.filter(pk=state["user"], is_active=True).first()
    if user is None:
        raise wrong
    return user


@use_case(audit=AuditEvent.Action.PASSWORD_RESET)
def password_reset_complete(*, actor: User | None, ticket: str, code: str, password: str) -> User:
    """Set a new password with the texted code: every session of the account ends (this one too),
    the phone is told, and the event is in the person's record. ``actor`` as for the request."""
    user = _reset_ticket_user(ticket, code)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), code="invalid_password", errors={"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    cache.delete(_reset_key(ticket))
    ended = sessions_end_all(user)
    audit_record(action=AuditEvent.Action.PASSWORD_RESET, actor=actor if actor is not None else user, subject=user,
                 detail={"step": "password_changed", "sessions_ended": ended})
    from identity.sms import sms_send

    phone = user.phone
    body = _("【爱山东·齐鲁通】您的登录密码已修改，其他设备已退出登录。如非本人操作，请立即重置密码并拨打12345。")
    transaction.on_commit(lambda: sms_send(phone=phone, body=body, purpose="security_notice"))
    return user


@step
def sessions_end_all(user: User) -> int:
    """End every tracked session of ``user`` (browser and app); the new password's session hash
    already refuses any untracked one. Returns how many ended."""
    from allauth.usersessions.models import UserSession

    from identity.sessions import SessionStore

    ended = 0
    for session in UserSession.objects.filter(user=user):
        SessionStore().delete(session.session_key)
        session.delete()
        ended += 1
    return ended


# --- Organisations and agents -------------------------------------------------------------------


@use_case(audit=AuditEvent.Action.ORGANISATION_REGISTERED)
def organisation_register(*, actor: User, credit_code: str) -> Organisation:
    """Bind an organisation to its legal representative's account, checked against the legal-entity base."""
    code = validate_credit_code(credit_code)
    record = LegalEntityRecord.objects.filter(credit_code=code).first()
    if (
        record is None
        or record.status != LegalEntityRecord.Status.ACTIVE
        or record.legal_representative_index != actor.id_number_index
        or record.legal_representative_name != actor.name
    ):
        raise Forbidden(
            _("You are not the registered legal representative of an active organisation with this code."),
            code="not_legal_representative",
        )
    organisation, created = Organisation.objects.get_or_create(
        credit_code=code, defaults={"name": record.name, "legal_representative": actor}
    )
    if not created and organisation.legal_representative_id != actor.pk:
        # The base record names a new legal representative: the binding follows it.
        organisation.legal_representative = actor
        organisation.name = record.name
        organisation.save(update_fields=["legal_representative", "name"])
    audit_record(
        action=AuditEvent.Action.ORGANISATION_REGISTERED, actor=actor, subject=actor, subject_organisation=organisation
    )
    return organisation


def _require_legal_representative(actor: User, organisation: Organisation) -> None:
    if organisation.legal_representative_id != actor.pk:
        raise Forbidden(_("Only the legal representative may manage agents."), code="not_legal_representative")


@dataclass
class AgentGrant:
    agent_id_number: str
    agent_name: str
    scopes: list[str]
    valid_until: dt.datetime
    valid_from: dt.datetime | None = None


@use_case(audit=AuditEvent.Action.AGENT_AUTHORISED)
def agent_authorise(*, actor: User, organisation: Organisation, grant: AgentGrant) -> AgentAuthorisation:
    """The legal representative authorises a registered person (by ID number + name) as agent."""
    _require_legal_representative(actor, organisation)
    scopes = sorted(set(grant.scopes))
    unknown = [scope for scope in scopes if scope not in AgentScope.values]
    if not scopes or unknown:
        raise Invalid(_("Choose at least one known scope."), code="invalid_scope", errors={"scopes": unknown})
    now = timezone.now()
    valid_from = grant.valid_from or now
    if grant.valid_until <= max(valid_from, now) or grant.valid_until > now + MAX_AGENT_VALIDITY:
        raise Invalid(
            _("The authorisation must end in the future and within three years."), code="invalid_validity"
        )
    try:
        number = validate_id_number(grant.agent_id_number)
    except ValidationError as exc:
        raise Invalid(exc.messages[0], code=exc.code or "invalid", errors={"agent_id_number": exc.messages}) from exc
    agent = User.objects.filter(id_number_index__in=id_number_indexes(number), is_active=True).first()
    if agent is None or agent.name != grant.agent_name.strip():
        raise Invalid(
            _("No registered person has this name and ID number. The agent must sign up first."), code="agent_not_found"
        )
    if agent.pk == actor.pk:
        raise Invalid(_("The legal representative already acts for the organisation."), code="agent_is_representative")
    authorisation = AgentAuthorisation.objects.create(
        organisation=organisation, agent=agent, scopes=scopes, valid_from=valid_from, valid_until=grant.valid_until, granted_by=actor
    )
    detail = {"scopes": scopes, "valid_until": grant.valid_until.isoformat(), "agent": masking.shown("id_number", number, viewer=masking.Viewer.AUDITOR)}
    audit_record(
        action=AuditEvent.Action.AGENT_AUTHORISED,
        actor=actor,
        actor_organisation=organisation,
        subject=agent,
        subject_organisation=organisation,
        detail=detail,
    )
    return authorisation


@use_case(audit=AuditEvent.Action.AGENT_REVOKED)
def agent_revoke(*, actor: User, authorisation: AgentAuthorisation) -> AgentAuthorisation:
    _require_legal_representative(actor, authorisation.organisation)
    if authorisation.revoked_at is None:
        authorisation.revoked_at = timezone.now()
        authorisation.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditEvent.Action.AGENT_REVOKED,
            actor=actor,
            actor_organisation=authorisation.organisation,
            subject=authorisation.agent,
            subject_organisation=authorisation.organisation,
        )
    else:
        unchanged()
    return authorisation


# --- Base records (人口库 / 法人库) -----------------------------------------------------------------


def _required(row: dict, key: str) -> str:
    value = str(row.get(key) or "").strip()
    if not value:
        raise ValidationError({key: [_("This field is required.")]})
    return value


@step
def population_record_upsert(row: dict) -> bool:
    """Create or update one population record from a dict; returns True when created."""
    try:
        number = validate_id_number(_required(row, "id_number"))
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc
    name = _required(row, "name")
    status = str(row.get("status") or PopulationRecord.Status.NORMAL)
    if status not in PopulationRecord.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    record = PopulationRecord.objects.filter(id_number_index__in=id_number_indexes(number)).first()
    created = record is None
    record = record or PopulationRecord(id_number=number, id_number_index=id_number_index(number))
    record.name = name
    record.gender = id_number_gender(number)
    record.birth_date = id_number_birth_date(number)
    record.area_code = number[:6]
    record.status = status
    record.save()
    return created


@step
def legal_entity_record_upsert(row: dict) -> bool:
    try:
        code = validate_credit_code(_required(row, "credit_code"))
    except ValidationError as exc:
        raise ValidationError({"credit_code": exc.messages}) from exc
    try:
        rep_number = validate_id_number(_required(row, "legal_representative_id_number"))
    except ValidationError as exc:
        raise ValidationError({"legal_representative_id_number": exc.messages}) from exc
    status = str(row.get("status") or LegalEntityRecord.Status.ACTIVE)
    if status not in LegalEntityRecord.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    registered_on = row.get("registered_on") or None
    if registered_on:
        try:
            registered_on = dt.date.fromisoformat(str(registered_on))
        except ValueError as exc:
            raise ValidationError({"registered_on": [_("Use a date like 2020-01-31.")]}) from exc
    record, created = LegalEntityRecord.objects.get_or_create(
        credit_code=code,
        defaults={"legal_representative_id_number": rep_number, "legal_representative_index": id_number_index(rep_number)},
    )
    record.name = _required(row, "name")
    record.kind = str(row.get("kind") or "")
    record.legal_representative_name = _required(row, "legal_representative_name")
    record.legal_representative_id_number = rep_number
    record.legal_representative_index = id_number_index(rep_number)
    record.area_code = code[2:8]
    record.registered_on = registered_on
    record.status = status
    record.save()
    return created


@use_case(audit=AuditEvent.Action.BASE_RECORDS_IMPORTED)
def base_records_import(*, actor: ApiClient | SystemActor, kind: str, rows: Iterable[dict]) -> ImportReport:
    """A system client (or an operator's command, ``actor=SYSTEM``) loads 人口库/法人库 rows."""
    upsert = {"people": population_record_upsert, "entities": legal_entity_record_upsert}[kind]
    report = row_import(rows, upsert)
    audit_record(action=AuditEvent.Action.BASE_RECORDS_IMPORTED, actor_description=str(getattr(actor, "name", actor)),
                 detail={"kind": kind, "created": report.created, "updated": report.updated, "rejected": len(report.errors)})
    return report
