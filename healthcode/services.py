"""Health-pass use cases: show a pass, check one, declare, scan a venue, appeal, override, guardians,
trusted issuers, source imports and recomputation."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import crypto, journal, outbound, people
from core.areas import area_name
from core.crypto import algorithms as algs
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.imports import ImportReport, row_import
from core.numbers import validate_id_number
from core.outbox import enqueue_on_commit
from core.usecases import SystemActor, pure, step, unchanged, use_case
from credentials import signing
from healthcode import permissions, selectors, statuses
from healthcode.evaluation import evaluate_people
from healthcode.journal import PASS_CHECK
from healthcode.models import (
    Appeal,
    CloseContact,
    Colour,
    Dependant,
    Override,
    RecomputeJob,
    RiskArea,
    RuleSet,
    SelfDeclaration,
    Stay,
    TestResult,
    TrustedIssuer,
    Vaccination,
    Venue,
)
from identity import masking
from identity.actions import declare
from identity.models import ApiClient, AuditEvent, PopulationRecord, User, id_number_index, id_number_indexes
from identity.notices import words
from identity.selectors import real_name_matches
from identity.services import audit_record, notice_send

PASS_KIND = "qilu-hp+jwt"


# --- the pass -----------------------------------------------------------------------------------


SUBJECT_KEY = "health-pass-subject/v1"


@pure
def seal_subject(person_index: str) -> str:
    """The person's index, encrypted (AES-256-GCM through the crypto provider), as the pass's ``sub``:
    only we can tell whose pass it is. A pass lives QILU_HEALTH_PASS_TTL seconds; nothing keeps it."""
    sealed = crypto.provider().encrypt(algs.AES_256_GCM, SUBJECT_KEY, bytes.fromhex(person_index), b"hp-sub")
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()


@pure
def open_subject(sub: str) -> str | None:
    try:
        blob = base64.urlsafe_b64decode(sub + "=" * (-len(sub) % 4))
        return crypto.provider().decrypt(algs.AES_256_GCM, SUBJECT_KEY, blob, b"hp-sub").hex()
    except (ValueError, crypto.CryptoError, binascii.Error, TypeError):
        return None


@dataclass
class Pass:
    status: dict
    token: str
    claims: dict
    holder_name: str


@pure
def pass_show(*, user: User, dependant: Dependant | None = None) -> Pass:
    """My pass (or a dependant's): current status plus a freshly signed QR payload that expires in
    ``QILU_HEALTH_PASS_TTL`` seconds, so a screenshot goes stale."""
    person_index = dependant.person_index if dependant else user.id_number_index
    name = dependant.name if dependant else user.name
    status = statuses.status_for(person_index)
    claims = {
        "jti": secrets.token_urlsafe(9),
        "hp": {"c": status["colour"], "n": masking.shown("name", name, viewer=masking.Viewer.CHECKER), "t": int(status["evaluated_at"].timestamp()),
               "v": status["rule_version"]},
        "sub": seal_subject(person_index),
    }
    token, full = signing.sign(claims, kind=PASS_KIND, ttl=settings.QILU_HEALTH_PASS_TTL)
    return Pass(status=status, token=token, claims=full, holder_name=name)


@dataclass
class PassVerdict:
    valid: bool
    reason: str
    colour: str | None
    masked_name: str | None
    issuer: str | None
    expires_at: dt.datetime | None
    check_id: uuid.UUID
    issuer_name: str | None = None  # what the checkpoint shows: words, never the ``iss`` code


REASONS = {
    "valid": gettext_lazy("Valid"),
    "malformed": gettext_lazy("Not a health pass QR code"),
    "bad_signature": gettext_lazy("Bad signature"),
    "unknown_key": gettext_lazy("Unknown signing key"),
    "retired_key": gettext_lazy("Signing key retired"),
    "wrong_kind": gettext_lazy("Not a health pass"),
    "expired": gettext_lazy("Expired: ask for a fresh code"),
    "untrusted_issuer": gettext_lazy("Issuer not on the trust list"),
    "issuer_not_trusted_now": gettext_lazy("Issuer's trust period has ended"),
}


def _keys_for(issuer_id: str | None, now: dt.datetime):
    """Our key ring for our passes; a trusted issuer's key set for theirs (or a reason it's refused)."""
    if issuer_id == settings.QILU_ISSUER_ID:
        ring = signing.keyring()
        return ring.public, ring.retired, None
    trusted = TrustedIssuer.objects.filter(issuer_id=issuer_id or "", is_active=True).first()
    if trusted is None:
        return None, None, "untrusted_issuer"
    if not (trusted.valid_from <= now <= trusted.valid_until):
        return None, None, "issuer_not_trusted_now"
    return signing.keys_from_jwks(trusted.jwks), frozenset(), None


def _verify_pass(token: str, now: dt.datetime) -> tuple[str | None, str, dict]:
    """(issuer, reason, claims): ours checked with our key ring, a trusted province's with its keys."""
    try:
        parsed = signing.parse_token(token)  # read once: its issuer picks the keys, then it is verified as read
    except (ValueError, UnicodeError, TypeError, AttributeError):
        return None, "malformed", {}
    issuer_id = parsed.claims.get("iss")
    keys, retired, refusal = _keys_for(issuer_id, now)
    if refusal:
        return issuer_id, refusal, {}
    try:
        return issuer_id, "valid", signing.verify_with(parsed, kind=PASS_KIND, keys=keys, retired=retired)
    except signing.SignatureRejected as exc:
        return issuer_id, exc.reason, exc.claims


@use_case(audit=AuditEvent.Action.HEALTH_PASS_CHECKED)
def pass_check(*, actor: User, token: str, place: str = "") -> PassVerdict:
    """A checkpoint scans a pass: ours or a trusted province's. Answered from memory (the key ring);
    the check and its audit events — shown to the holder and their guardians — go to the check journal."""
    if not permissions.has(actor, permissions.CHECK_PASS):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    issuer_id, reason, claims = _verify_pass((token or "").strip(), timezone.now())
    valid = reason == "valid"
    content = claims.get("hp") if valid and isinstance(claims.get("hp"), dict) else {}
    person_index = open_subject(claims.get("sub", "")) if valid and issuer_id == settings.QILU_ISSUER_ID else None
    colour = content.get("c") if isinstance(content.get("c"), str) else ""
    check_id = journal.record(PASS_CHECK, audit=AuditEvent.Action.HEALTH_PASS_CHECKED, checker=actor.pk, person=person_index or "",
                              place=(place or "")[:128], issuer=(issuer_id or "")[:64], valid=valid, reason=reason, colour=colour[:8])
    return PassVerdict(
        valid=valid,
        reason=reason,
        colour=content.get("c"),
        masked_name=content.get("n"),
        issuer=issuer_id,
        expires_at=dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC) if valid else None,
        check_id=check_id,
        issuer_name=selectors.issuer_name(issuer_id) if valid else None,
    )


# --- citizens' own data -------------------------------------------------------------------------


def _area(code: str) -> str:
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise ValidationError({"area_code": [_("Use a 6-digit area code (GB/T 2260).")]})
    return code


@use_case(audit=AuditEvent.Action.HEALTH_DECLARATION)
def declaration_submit(*, actor: User, symptoms: bool, note: str = "", travel: Iterable[dict] = ()) -> SelfDeclaration:
    """Self-declaration: symptoms and recent trips (area, arrived, left). Re-evaluated at once."""
    now = timezone.now()
    stays = []
    for number, trip in enumerate(travel, start=1):
        arrived, left = trip.get("arrived_at"), trip.get("left_at")
        if not arrived or not left or arrived > left or left > now:
            raise ValidationError({f"travel.{number}": [_("Arrival must be before departure, and both in the past.")]})
        stays.append(Stay(person_index=actor.id_number_index, area_code=_area(trip.get("area_code")), arrived_at=arrived, left_at=left,
                          source=Stay.Source.DECLARATION))
    declaration = SelfDeclaration.objects.create(person_index=actor.id_number_index, symptoms=symptoms, note=note[:255])
    for stay in stays:
        stay.save()
    audit_record(action=AuditEvent.Action.HEALTH_DECLARATION, actor=actor, subject=actor, detail={"symptoms": symptoms, "trips": len(stays)})
    evaluate_people([actor.id_number_index])
    return declaration


@use_case(audit=AuditEvent.Action.VENUE_VISIT)
def visit_record(*, actor: User, venue_code: str) -> Stay:
    venue = Venue.objects.filter(code=(venue_code or "").strip(), is_active=True).first()
    if venue is None:
        raise NotFound(_("Unknown venue code."), code="unknown_venue")
    now = timezone.now()
    stay = Stay(person_index=actor.id_number_index, area_code=venue.area_code, arrived_at=now, left_at=now, source=Stay.Source.VENUE, venue=venue)
    stay.save()
    audit_record(action=AuditEvent.Action.VENUE_VISIT, actor=actor, subject=actor, detail={"venue": venue.name})
    evaluate_people([actor.id_number_index])
    return stay


@use_case(audit=AuditEvent.Action.VENUE_REGISTERED)
def venue_register(*, actor: User, name: str, area_code: str, address: str) -> Venue:
    if not permissions.has(actor, permissions.ADD_VENUE):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    venue = Venue.objects.create(manager=actor, name=name.strip(), area_code=_area(area_code), address=address.strip())
    audit_record(action=AuditEvent.Action.VENUE_REGISTERED, actor=actor, subject=actor, detail={"venue": venue.name, "code": venue.code})
    return venue


# --- guardians (代领) ----------------------------------------------------------------------------


@use_case(audit=AuditEvent.Action.DEPENDANT_ADDED)
def dependant_add(*, actor: User, id_number: str, name: str, relation: str, consent: str, consent_note: str = "") -> Dependant:
    """Hold the pass of someone without a phone. The name and number must match the population base;
    an adult's consent must be recorded (a minor's is given by the guardian, the actor)."""
    try:
        number = validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc
    if consent not in Dependant.Consent.values:
        raise ValidationError({"consent": [_("Choose how consent was given.")]})
    if not real_name_matches(id_number=number, name=name):
        raise Invalid(_("The name and ID number do not match our records."), code="real_name_mismatch")
    if actor.id_number_index in id_number_indexes(number):  # either index while they migrate (identity/blind_indexes.py)
        raise ValidationError({"id_number": [_("This is your own number.")]})
    record = PopulationRecord.objects.get(id_number_index__in=id_number_indexes(number))
    index = record.id_number_index
    if consent == Dependant.Consent.MINOR and not people.is_minor(record.birth_date, timezone.localdate()):
        raise ValidationError({"consent": [_("Only a minor's consent can be given by the guardian.")]})
    if consent != Dependant.Consent.MINOR and not consent_note.strip():
        raise ValidationError({"consent_note": [_("Record how the person agreed (who witnessed, where, when).")]})
    if Dependant.objects.filter(guardian=actor, person_index=index, revoked_at__isnull=True).exists():
        raise Conflict(_("You already hold this person's pass."), code="already_linked")
    dependant = Dependant.objects.create(guardian=actor, person_index=index, id_number=number, name=name.strip(), relation=relation.strip(),
                                         consent=consent, consent_note=consent_note.strip())
    audit_record(action=AuditEvent.Action.DEPENDANT_ADDED, actor=actor, subject=User.objects.filter(id_number_index=index).first(),
                 detail={"health_pass_dependant": dependant.relation, "consent": consent})
    return dependant


@use_case(audit=AuditEvent.Action.DEPENDANT_REVOKED)
def dependant_revoke(*, actor: User, dependant: Dependant) -> Dependant:
    """The guardian (the actor) stops holding a dependant's pass; the dependant sees it in their trail."""
    if dependant.guardian_id != actor.pk:
        raise NotFound()
    if dependant.revoked_at is not None:
        unchanged()
        return dependant
    dependant.revoked_at = timezone.now()
    dependant.save(update_fields=["revoked_at"])
    audit_record(action=AuditEvent.Action.DEPENDANT_REVOKED, actor=actor, subject=User.objects.filter(id_number_index=dependant.person_index).first(),
                 detail={"health_pass_dependant": dependant.relation})
    return dependant


# --- appeals and overrides ----------------------------------------------------------------------


@use_case(audit=AuditEvent.Action.HEALTH_APPEAL)
def appeal_submit(*, actor: User, reason: str, evidence: str = "") -> Appeal:
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why you think the colour is wrong.")]})
    if Appeal.objects.filter(appellant=actor, status=Appeal.Status.PENDING).exists():
        raise Conflict(_("You already have an appeal being reviewed."), code="appeal_pending")
    status = statuses.status_for(actor.id_number_index)
    appeal = Appeal.objects.create(person_index=actor.id_number_index, appellant=actor, colour_at_appeal=status["colour"],
                                   reasons_at_appeal=",".join(status["reasons"]), reason=reason.strip(), evidence=evidence.strip())
    audit_record(action=AuditEvent.Action.HEALTH_APPEAL, actor=actor, subject=actor, detail={"appeal": appeal.pk, "step": "submitted"})
    return appeal


@use_case(audit=AuditEvent.Action.HEALTH_OVERRIDE)
def override_set(*, actor: User, person_index: str, colour: str, expires_at: dt.datetime, note: str) -> Override:
    if not permissions.has(actor, permissions.SET_OVERRIDE):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if colour not in Colour.values:
        raise ValidationError({"colour": [_("Unknown colour.")]})
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": [_("The override must end in the future.")]})
    if not note.strip():
        raise ValidationError({"note": [_("Write down why.")]})
    override = Override.objects.create(person_index=person_index, colour=colour, expires_at=expires_at, note=note.strip(), officer=actor)
    audit_record(action=AuditEvent.Action.HEALTH_OVERRIDE, actor=actor, actor_description=_("卫健部门"),
                 subject=User.objects.filter(id_number_index=person_index).first(),
                 detail={"colour": colour, "until": expires_at.isoformat(), "note": override.note})
    evaluate_people([person_index])
    return override


@use_case(audit=(AuditEvent.Action.HEALTH_APPEAL, AuditEvent.Action.HEALTH_OVERRIDE))
def appeal_decide(*, actor: User, appeal: Appeal, uphold: bool, note: str, colour: str | None = None,
                  expires_at: dt.datetime | None = None) -> Appeal:
    """Uphold (with an override colour and end) or reject an appeal; the appellant is told either way."""
    if not permissions.has(actor, permissions.DECIDE_APPEAL):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if appeal.status != Appeal.Status.PENDING:
        raise Conflict(_("This appeal has already been decided."), code="appeal_decided")
    if not note.strip():
        raise ValidationError({"decision_note": [_("Write down why.")]})
    with transaction.atomic():
        if uphold:
            appeal.override = override_set(actor=actor, person_index=appeal.person_index, colour=colour or Colour.GREEN,
                                           expires_at=expires_at or (timezone.now() + dt.timedelta(days=7)), note=note)
        appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.REJECTED
        appeal.decided_by, appeal.decided_at, appeal.decision_note = actor, timezone.now(), note.strip()
        appeal.save()
        audit_record(action=AuditEvent.Action.HEALTH_APPEAL, actor=actor, actor_description=_("卫健部门"), subject=appeal.appellant,
                     detail={"appeal": appeal.pk, "step": appeal.status, "note": appeal.decision_note})
        notice_send(user=appeal.appellant, kind="health_appeal",
                    title=words(gettext_lazy("Your health pass appeal: %(status)s"), status=Appeal.Status(appeal.status).label),
                    body=appeal.decision_note, url="/health/")
    return appeal


# --- trusted issuers ----------------------------------------------------------------------------


def _fetch_key_set(url: str) -> str:
    """Resolved once, checked, fetched from that address; https unless the host is allow-listed (core.outbound)."""
    return outbound.fetch(url, allowed_hosts=settings.QILU_TRUST_LIST_ALLOWED_HOSTS).decode()


@use_case(audit=AuditEvent.Action.TRUSTED_ISSUER_CHANGED)
def trusted_issuer_import(*, actor: User | SystemActor, issuer_id: str, name: str, valid_from: dt.datetime, valid_until: dt.datetime,
                          jwks: dict | str | None = None, url: str = "") -> TrustedIssuer:
    """Trust another province's issuer: its key set from a file's JSON or fetched from a URL."""
    if not permissions.has(actor, permissions.TRUST_ISSUER):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if jwks is None:
        jwks = _fetch_key_set(url)
    document = json.loads(jwks) if isinstance(jwks, str) else jwks
    if not signing.keys_from_jwks(document):
        raise ValidationError({"jwks": [_("The key set holds no usable P-256 public key.")]})
    if valid_until <= valid_from:
        raise ValidationError({"valid_until": [_("The end must be after the start.")]})
    trusted, _created = TrustedIssuer.objects.update_or_create(
        issuer_id=issuer_id, defaults={"name": name, "jwks": document, "source_url": url, "valid_from": valid_from, "valid_until": valid_until}
    )
    audit_record(action=AuditEvent.Action.TRUSTED_ISSUER_CHANGED, actor=actor, detail={"issuer": issuer_id, "name": name, "url": url,
                 "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()})
    return trusted


@use_case(audit=AuditEvent.Action.TRUSTED_ISSUER_CHANGED)
def trusted_issuer_set_active(*, actor: User, issuer: TrustedIssuer, active: bool) -> TrustedIssuer:
    """Stop (or resume) trusting another province's issuer; its passes are refused while inactive."""
    if not permissions.has(actor, permissions.TRUST_ISSUER):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if issuer.is_active == active:
        unchanged()
        return issuer
    issuer.is_active = active
    issuer.save(update_fields=["is_active", "updated_at"])
    audit_record(action=AuditEvent.Action.TRUSTED_ISSUER_CHANGED, actor=actor, detail={"issuer": issuer.issuer_id, "active": active})
    return issuer


# --- source data --------------------------------------------------------------------------------


def _person(row: dict) -> str:
    try:
        return id_number_index(validate_id_number(str(row.get("id_number") or "")))
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from exc


def _when(row: dict, key: str) -> dt.datetime:
    value = parse_datetime(str(row.get(key) or ""))
    if value is None:
        raise ValidationError({key: [_("Use a time like 2026-11-23T08:30:00+08:00.")]})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _choice(row: dict, key: str, choices) -> str:
    value = str(row.get(key) or "")
    if value not in choices:
        raise ValidationError({key: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}]})
    return value


def _external_id(row: dict) -> str:
    value = str(row.get("external_id") or "").strip()
    if not value:
        raise ValidationError({"external_id": [_("This field is required.")]})
    return value


@step
def test_result_upsert(row: dict, source: str) -> tuple[bool, str]:
    person = _person(row)
    sampled, reported = _when(row, "sampled_at"), _when(row, "reported_at")
    if reported < sampled:
        raise ValidationError({"reported_at": [_("The report cannot come before the sample.")]})
    _obj, created = TestResult.objects.update_or_create(
        source=source, external_id=_external_id(row),
        defaults={"person_index": person, "kind": _choice(row, "kind", TestResult.Kind.values), "result": _choice(row, "result", TestResult.Result.values),
                  "sampled_at": sampled, "reported_at": reported},
    )
    return created, person


@step
def vaccination_upsert(row: dict, source: str) -> tuple[bool, str]:
    person = _person(row)
    try:
        dose = int(row.get("dose") or 0)
    except ValueError:
        dose = 0
    if dose < 1:
        raise ValidationError({"dose": [_("Enter a dose number from 1.")]})
    _obj, created = Vaccination.objects.update_or_create(
        source=source, external_id=_external_id(row),
        defaults={"person_index": person, "product": str(row.get("product") or "")[:64] or "—", "dose": dose, "vaccinated_at": _when(row, "vaccinated_at")},
    )
    return created, person


@step
def stay_create(row: dict, source: str) -> tuple[bool, str]:
    person = _person(row)
    arrived, left = _when(row, "arrived_at"), _when(row, "left_at")
    if left < arrived:
        raise ValidationError({"left_at": [_("Arrival must be before departure, and both in the past.")]})
    Stay(person_index=person, area_code=_area(str(row.get("area_code") or "")), arrived_at=arrived, left_at=left, source=Stay.Source.IMPORT).save()
    return True, person


@step
def close_contact_create(row: dict, source: str) -> tuple[bool, str]:
    person = _person(row)
    CloseContact.objects.create(person_index=person, listed_at=_when(row, "listed_at"), note=str(row.get("note") or "")[:255])
    return True, person


IMPORTERS = {"test_results": test_result_upsert, "vaccinations": vaccination_upsert, "stays": stay_create, "close_contacts": close_contact_create}


@use_case(audit=AuditEvent.Action.HEALTH_DATA_IMPORTED)
def health_data_import(*, actor: ApiClient | SystemActor, kind: str, rows: Iterable, source: str = "import") -> ImportReport:
    """Import rows (bad rows reported, good rows kept), then re-evaluate the people touched, set-based."""
    upsert = IMPORTERS[kind]
    touched: set[str] = set()

    def one(row: dict) -> bool:
        created, person = upsert(row, source)
        touched.add(person)
        return created

    report = row_import(rows, one)
    if touched:
        evaluate_people(touched)
    audit_record(action=AuditEvent.Action.HEALTH_DATA_IMPORTED, actor_description=str(getattr(actor, "name", actor)),
                 detail={"kind": kind, "source": source, "created": report.created, "updated": report.updated, "rejected": len(report.errors)})
    return report


# --- close contacts and risk areas (entered by health officers) ---------------------------------

CLOSE_CONTACT_LISTED = declare("close_contact_listed", gettext_lazy("列为密切接触者"))
CLOSE_CONTACT_CHANGED = declare("close_contact_changed", gettext_lazy("变更密切接触者记录"))
RISK_AREA_CHANGED = declare("risk_area_changed", gettext_lazy("风险区域变更"))


def _reevaluate_after_commit(person_index: str) -> None:
    enqueue_on_commit("healthcode.reevaluate", [person_index])


@use_case(audit=CLOSE_CONTACT_LISTED)
def close_contact_list(*, actor: User, id_number: str, listed_at: dt.datetime, released_at: dt.datetime | None = None,
                       note: str = "") -> CloseContact:
    """List a person as a close contact (admin): in their "who used my data", and their code is
    evaluated again after commit."""
    if not permissions.has(actor, permissions.LIST_CLOSE_CONTACT):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    person_index = id_number_index(validate_id_number(id_number))
    contact = CloseContact.objects.create(person_index=person_index, listed_at=listed_at, released_at=released_at,
                                          note=note.strip()[:255], entered_by=actor)
    audit_record(action=CLOSE_CONTACT_LISTED, actor=actor, actor_description=_("卫健部门"),
                 subject=User.objects.filter(id_number_index__in=id_number_indexes(id_number)).first(),
                 detail={"contact": contact.pk, "listed_at": listed_at.isoformat(), "released_at": released_at.isoformat() if released_at else None})
    _reevaluate_after_commit(person_index)
    return contact


@use_case(audit=CLOSE_CONTACT_CHANGED)
def close_contact_change(*, actor: User, contact: CloseContact, released_at: dt.datetime | None, note: str) -> CloseContact:
    """Release a close contact or correct the note (admin); the person's code is evaluated again."""
    if not permissions.has(actor, permissions.CHANGE_CLOSE_CONTACT):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    contact.released_at, contact.note = released_at, note.strip()[:255]
    contact.save(update_fields=["released_at", "note"])
    audit_record(action=CLOSE_CONTACT_CHANGED, actor=actor, actor_description=_("卫健部门"),
                 subject=User.objects.filter(id_number_index=contact.person_index).first(),
                 detail={"contact": contact.pk, "released_at": released_at.isoformat() if released_at else None})
    _reevaluate_after_commit(contact.person_index)
    return contact


@use_case(audit=(RISK_AREA_CHANGED, AuditEvent.Action.HEALTH_RULES_CHANGED))
def risk_area_save(*, actor: User, area: RiskArea) -> RecomputeJob:
    """Declare or change a risk area (admin) and re-evaluate, chunk by chunk, everyone who stayed there."""
    if not permissions.has(actor, permissions.CHANGE_RISK_AREAS):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    created = area.pk is None
    area.save()
    audit_record(action=RISK_AREA_CHANGED, actor=actor, actor_description=_("卫健部门"),
                 detail={"area": area.area_code, "level": area.level, "step": "declared" if created else "changed",
                         "starts_at": area.starts_at.isoformat(), "ends_at": area.ends_at.isoformat() if area.ends_at else None})
    reason = _("风险区域：%(area)s，%(level)s") % {"area": area_name(area.area_code), "level": area.get_level_display()}
    return recompute_start(actor=actor, reason=reason, area_code=area.area_code)


@use_case(audit=AuditEvent.Action.HEALTH_RULES_CHANGED)
def ruleset_draft_save(*, actor: User, ruleset: RuleSet, write_rules: Callable[[], object] | None = None) -> RuleSet:
    """Save a draft rule version as edited in admin; ``write_rules`` saves the rule rows edited with it
    (admin's inline forms), in this use case's transaction. A published version is never edited."""
    if not permissions.has(actor, permissions.CHANGE_RULES):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if ruleset.pk and RuleSet.objects.filter(pk=ruleset.pk, published_at__isnull=False).exists():
        raise Conflict(_("This version is already published; copy it to change it."), code="already_published")
    created = ruleset.pk is None
    ruleset.created_by = ruleset.created_by or actor
    ruleset.save()
    if write_rules is not None:
        write_rules()
    audit_record(action=AuditEvent.Action.HEALTH_RULES_CHANGED, actor=actor,
                 detail={"step": "draft_created" if created else "draft_changed", "draft": ruleset.version})
    return ruleset


# --- rules and recomputation --------------------------------------------------------------------


@use_case(audit=AuditEvent.Action.HEALTH_RULES_CHANGED)
def ruleset_publish(*, actor: User, ruleset: RuleSet) -> RecomputeJob:
    """Put a rule version in force (the old one stays, unchanged, for the statuses it produced) and
    re-evaluate everybody."""
    if not permissions.has(actor, permissions.CHANGE_RULES):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if ruleset.is_published:
        raise Conflict(_("This version is already published; copy it to change it."), code="already_published")
    if not ruleset.rules.exists():
        raise ValidationError(_("A rule version needs at least one rule."))
    RuleSet.objects.filter(in_force=True).update(in_force=False)
    ruleset.in_force, ruleset.published_at = True, timezone.now()
    ruleset.save(update_fields=["in_force", "published_at"])
    return recompute_start(reason=f"rule version v{ruleset.version} published", actor=actor)


@use_case(audit=AuditEvent.Action.HEALTH_RULES_CHANGED)
def ruleset_copy(*, ruleset: RuleSet, actor: User) -> RuleSet:
    """A new draft version with the same rules, to edit and publish."""
    if not permissions.has(actor, permissions.CHANGE_RULES):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    version = (RuleSet.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    draft = RuleSet.objects.create(version=version, note=_("copy of v%(v)d") % {"v": ruleset.version}, created_by=actor)
    for rule in ruleset.rules.all():
        rule.pk, rule.ruleset = None, draft
        rule.save()
    audit_record(action=AuditEvent.Action.HEALTH_RULES_CHANGED, actor=actor, detail={"step": "copied", "from": ruleset.version, "draft": draft.version})
    return draft


@use_case(audit=AuditEvent.Action.HEALTH_RULES_CHANGED)
def recompute_start(*, actor: User | SystemActor, reason: str, area_code: str = "", chunk_size: int = 20000) -> RecomputeJob:
    if not permissions.has(actor, permissions.CHANGE_RULES):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    from django.db.models import Max, Min

    bounds = PopulationRecord.objects.aggregate(first=Min("id"), last=Max("id"))
    ruleset = RuleSet.objects.filter(in_force=True).first()
    job = RecomputeJob.objects.create(
        reason=reason[:255], area_code=area_code, created_by=actor if getattr(actor, "pk", None) else None, rule_version=ruleset.version if ruleset else 0,
        first_id=bounds["first"] or 0, last_id=bounds["last"] or 0, chunk_size=chunk_size,
        total=PopulationRecord.objects.count(),
    )
    audit_record(action=AuditEvent.Action.HEALTH_RULES_CHANGED, actor=actor, detail={"step": "recompute", "job": job.pk, "reason": job.reason})
    enqueue_on_commit("healthcode.recompute", job.pk)
    return job
