"""Credential use cases: issue (push, re-push, bulk import), change status, hide, present and verify."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import io
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core import journal, quotas
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.fields import clean_values
from core.numbers import validate_credit_code, validate_id_number
from core.usecases import pure, step, unchanged, use_case
from credentials import held, selectors, signing
from credentials import shown as kept_shown
from credentials.claims import claim_labels
from credentials.holders import holder_index, holder_organisation, holder_user
from credentials.identifiers import make_identifier
from credentials.journal import PRESENTATION, VERIFICATION
from credentials.models import Credential, CredentialType, HolderKind, Presentation, Verification, issuer_record_index
from credentials.openid import slots
from credentials.permissions import may_issue, may_present, may_verify
from identity import masking
from identity.models import ApiClient, AuditEvent, User
from identity.notices import named, words
from identity.services import audit_record, notice_send

PRESENTATION_KIND = "qilu-vp+cwt"  # a COSE_Sign1/CWT short reference (credentials.signing.sign_compact)
MAX_PHOTO_BYTES = 200 * 1024
MAX_PHOTO_PIXELS = 4_000_000
SPECIAL_DISCLOSURES = ("holder_number", "photo")


# --- fields -------------------------------------------------------------------------------------


@pure
def clean_fields(ctype: CredentialType, raw) -> dict:
    """Check pushed fields against the type's schema; errors are keyed ``fields.<key>``."""
    return clean_values(ctype.field_schema, raw, prefix="fields")


@pure
def clean_photo(encoded: str | None) -> str | None:
    """A holder photo: base64 JPEG or PNG, size-checked before decoding, re-encoded as JPEG."""
    if not encoded:
        return None
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"photo": [_("The photo must be base64.")]}) from None
    if len(blob) > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": [_("The photo is larger than 200 KB.")]})
    from PIL import Image  # on the first photo: not in every web worker

    try:
        with Image.open(io.BytesIO(blob), formats=["JPEG", "PNG"]) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise ValidationError({"photo": [_("The photo has too many pixels.")]})
            image = image.convert("RGB")
            image.thumbnail((480, 640))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
    except (OSError, Image.DecompressionBombError):
        raise ValidationError({"photo": [_("The photo must be a JPEG or PNG image.")]}) from None
    return base64.b64encode(out.getvalue()).decode()


@pure
def add_years(day: dt.date, years: int) -> dt.date:
    """The same date ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1)


# --- issuance -----------------------------------------------------------------------------------


@dataclass
class Issued:
    credential: Credential
    created: bool


def _type_for(client: ApiClient, code: str) -> CredentialType:
    if not may_issue(client):
        raise Forbidden(_("This system may not issue credentials."), code="permission_denied")
    ctype = CredentialType.objects.filter(code=code, is_active=True).select_related("department").first()
    if ctype is None:
        raise Invalid(_("Unknown credential type."), code="unknown_type", errors={"type": [_("Unknown credential type.")]})
    if not ctype.issuers.filter(pk=client.pk).exists():
        raise Forbidden(_("This system may not issue this credential type."), code="type_not_allowed")
    return ctype


@step
def supersede(credential: Credential) -> list[Credential]:
    """A type a person holds once (``single_per_holder``: a driving licence, an ID card): the holder's
    other copies issued on or before this one become ``superseded`` — out of the wallet's main list,
    refused at every check, 3 in the status list — each with its own audit event. A copy issued later
    than this one (a back-filled import) supersedes this one instead."""
    if not credential.type.single_per_holder or credential.status != Credential.Status.VALID:
        return []
    others = (Credential.objects.select_for_update(no_key=True)
              .filter(type=credential.type, holder_kind=credential.holder_kind, holder_index=credential.holder_index,
                      status__in=[Credential.Status.VALID, Credential.Status.SUSPENDED])
              .exclude(pk=credential.pk).order_by("-issued_on", "-id"))
    others = list(others)
    newer = next((other for other in others if other.issued_on > credential.issued_on), None)
    replaced = [credential] if newer else others
    replacement = newer or credential
    now = timezone.now()
    for old in replaced:
        old.status, old.superseded_by, old.status_changed_at = Credential.Status.SUPERSEDED, replacement, now
        old.status_reason = _("已被新证替代")
        old.save(update_fields=["status", "superseded_by", "status_reason", "status_changed_at", "updated_at"])
        slots.changed(old)
        audit_record(action=AuditEvent.Action.CREDENTIAL_STATUS_CHANGED, actor_description=old.type.department.name,
                     subject=holder_user(old), subject_organisation=holder_organisation(old),
                     detail={"credential": old.type.name, "identifier": old.identifier, "status": Credential.Status.SUPERSEDED,
                             "superseded_by": replacement.identifier})
    return replaced


@use_case(audit=(AuditEvent.Action.CREDENTIAL_ISSUED, AuditEvent.Action.CREDENTIAL_STATUS_CHANGED))
def credential_issue(*, actor: ApiClient, data: dict) -> Issued:
    """Create a credential, or update it when the issuer pushes the same record id again.

    ``data``: type, record_id, holder_number, holder_name, fields, issued_on, expires_on?, photo? (base64).
    """
    ctype = _type_for(actor, data["type"])
    number = data["holder_number"]
    try:
        number = validate_id_number(number) if ctype.holder_kind == HolderKind.PERSON else validate_credit_code(number)
    except ValidationError as exc:
        raise ValidationError({"holder_number": exc.messages}) from exc
    fields = clean_fields(ctype, data.get("fields") or {})
    photo = clean_photo(data.get("photo"))
    issued_on = data["issued_on"]
    expires_on = data.get("expires_on")
    if expires_on is None and ctype.validity_years:
        expires_on = add_years(issued_on, ctype.validity_years)
    if expires_on is not None and expires_on < issued_on:
        raise ValidationError({"expires_on": [_("The expiry date is before the issue date.")]})

    with transaction.atomic():
        credential = (
            Credential.objects.select_for_update(no_key=True).filter(issuer=actor, issuer_record_index=issuer_record_index(data["record_id"])).first()
        )
        created = credential is None
        if created:
            credential = Credential(
                issuer=actor,
                issuer_record_id=data["record_id"],
                issuer_record_index=issuer_record_index(data["record_id"]),
                type=ctype,
                identifier=make_identifier(type_code=ctype.type_code, issuer_code=ctype.department.credit_code or ctype.type_code[:18]),
            )
        elif credential.type_id != ctype.pk:
            raise Conflict(_("This record id already holds another credential type."), code="type_mismatch")
        else:
            credential.revision += 1
        credential.holder_kind = ctype.holder_kind
        credential.holder_number = number
        credential.holder_index = holder_index(ctype.holder_kind, number)
        credential.holder_name = data["holder_name"].strip()
        credential.fields = fields
        if photo is not None or created:
            credential.photo = photo
        credential.issued_on = issued_on
        credential.expires_on = expires_on
        try:
            with transaction.atomic():
                credential.save()
        except IntegrityError:
            # Two first pushes of one record raced; the other one won, so this one is an update.
            raise Conflict(_("This record is being pushed twice at once; try again."), code="conflict") from None
        supersede(credential)  # 换证: the holder's older copy of a type held once stops being valid, in this transaction
    if not created:
        slots.changed(credential)  # copies on devices carry the old revision: withdrawn in the status list
    audit_record(action=AuditEvent.Action.CREDENTIAL_ISSUED, actor_description=f"{ctype.department.name} · {actor.name}",
                 subject=holder_user(credential), subject_organisation=holder_organisation(credential),
                 detail={"credential": ctype.name, "identifier": credential.identifier, "revision": credential.revision})
    if created:
        notice_send(
            user=holder_user(credential),
            kind="credential_issued",
            title=words(gettext_lazy("New credential in your wallet: %(type)s"), type=named(ctype)),
            url=f"/wallet/{credential.identifier}/",
        )
    elif credential.status_slots.exists():
        notice_send(
            user=holder_user(credential),
            kind="credential_issued",
            title=words(gettext_lazy("%(type)s was updated: refresh it in your wallet app"), type=named(ctype)),
            url=f"/wallet/{credential.identifier}/",
        )
    return Issued(credential=credential, created=created)


ID_CARD = "id_card"  # the public security issuer's 居民身份证 (credentials/demo.py defines the type)


@pure
def id_card_push(*, holder_number: str, holder_name: str, record_id: str, issued_on: dt.date, fields: dict, photo: str | None = None) -> dict:
    """What an issuing system pushes for a 居民身份证: the demo data and sign-up issue it the same way."""
    return {"type": ID_CARD, "record_id": record_id, "holder_number": holder_number, "holder_name": holder_name,
            "fields": {**fields, "id_number": holder_number}, "issued_on": issued_on, "photo": photo}


@use_case(audit=AuditEvent.Action.CREDENTIAL_ISSUED)
def id_card_issue_on_sign_up(*, actor: User, issuer: ApiClient | None = None) -> Credential | None:
    """The e-ID card for ``actor``, who just completed real-name sign-up, from the population base
    record that sign-up matched, through ``credential_issue`` as the issuing system (``issuer``: the
    type's first issuer when not given). Idempotent: someone already holding a 居民身份证 gets no
    second one; nothing happens where the type is not set up."""
    from core.areas import area_name
    from identity.models import PopulationRecord, id_number_indexes

    ctype = CredentialType.objects.filter(code=ID_CARD).select_related("department").first()
    issuer = issuer or (ctype.issuers.order_by("pk").first() if ctype else None)
    record = PopulationRecord.objects.filter(id_number_index__in=id_number_indexes(actor.id_number or "")).first()
    held = ctype is not None and Credential.objects.filter(type=ctype, holder_index=holder_index(HolderKind.PERSON, actor.id_number)).exists()
    if issuer is None or record is None or held:
        unchanged()
        return None
    address = area_name(record.area_code)
    if address == record.area_code:  # a region the table does not know: its province
        address = area_name(record.area_code[:2] + "0000")
    fields = {"gender": "男" if record.gender == "M" else "女", "birth_date": record.birth_date.isoformat(), "address": address,
              "issuing_authority": ctype.department.name}
    return credential_issue(actor=issuer, data=id_card_push(
        holder_number=actor.id_number, holder_name=actor.name, record_id=f"SIGNUP-{actor.pk}", issued_on=timezone.localdate(), fields=fields)).credential


@use_case(audit=AuditEvent.Action.CREDENTIAL_STATUS_CHANGED)
def credential_set_status(*, actor: ApiClient, record_id: str, status: str, reason: str = "") -> Credential:
    """Suspend, revoke or reinstate. Takes effect for the very next verification (read from the database).
    A revoked credential stays revoked."""
    credential = (Credential.objects.select_for_update(no_key=True, of=("self",)).filter(issuer=actor, issuer_record_index=issuer_record_index(record_id))
                  .select_related("type").first())
    if credential is None:
        raise NotFound(_("Not found."), code="not_found")
    if status not in (Credential.Status.VALID, Credential.Status.SUSPENDED, Credential.Status.REVOKED):
        raise ValidationError({"status": [_("Use valid, suspended or revoked.")]})
    if credential.status == Credential.Status.REVOKED and status != Credential.Status.REVOKED:
        raise Conflict(_("A revoked credential cannot be reinstated; issue a new one."), code="revoked")
    if credential.status == Credential.Status.SUPERSEDED and status != credential.status:
        raise Conflict(_("A newer credential has replaced this one; change the newer one."), code="superseded")
    if credential.status != status:
        credential.status = status
        credential.status_reason = reason
        credential.status_changed_at = timezone.now()
        credential.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
        slots.changed(credential)
        audit_record(action=AuditEvent.Action.CREDENTIAL_STATUS_CHANGED, actor_description=f"{credential.type.department.name} · {actor.name}",
                     subject=holder_user(credential), subject_organisation=holder_organisation(credential),
                     detail={"credential": credential.type.name, "identifier": credential.identifier, "status": status, "reason": reason})
        notice_send(
            user=holder_user(credential),
            kind="credential_status",
            title=words(gettext_lazy("%(type)s is now %(status)s"), type=named(credential.type), status=Credential.Status(status).label),
            body=reason,
            url=f"/wallet/{credential.identifier}/",
        )
    else:
        unchanged()
    return credential


# --- wallet -------------------------------------------------------------------------------------


@use_case(audit=AuditEvent.Action.CREDENTIAL_HIDDEN)
def credential_set_hidden(*, actor: User, credential: Credential, hidden: bool) -> Credential:
    """Show or hide a credential on my wallet's front page."""
    if not may_present(actor, credential):
        raise NotFound()
    audit_record(action=AuditEvent.Action.CREDENTIAL_HIDDEN, actor=actor, subject=holder_user(credential),
                 subject_organisation=holder_organisation(credential), detail={"identifier": credential.identifier, "hidden": hidden})
    credential.hidden = hidden
    credential.save(update_fields=["hidden", "updated_at"])
    return credential


@pure
def disclosed_view(credential: Credential, disclose: Iterable[str]) -> dict:
    """What a verifier may see: the type, holder name, dates, the chosen fields in full, and every
    other field left out. ID numbers appear masked unless chosen."""
    disclose = set(disclose)
    fields = credential.fields
    schema = credential.type.field_schema
    shown = {}
    for spec in schema:
        key = spec["key"]
        if key not in fields:
            continue
        if key in disclose:
            shown[key] = fields[key]
        elif spec.get("type") == "id_number":
            shown[key] = masking.shown("id_number", fields[key], viewer=masking.Viewer.CLERK)
    number = credential.holder_number
    return {
        "id": credential.identifier,
        "type": credential.type.code,
        "type_name": credential.type.name,
        "issuer": credential.type.department.name,
        "holder_name": credential.holder_name,
        "holder_number": number if "holder_number" in disclose or credential.holder_kind != HolderKind.PERSON
        else masking.shown("id_number", number, viewer=masking.Viewer.CLERK),
        "issued_on": credential.issued_on.isoformat(),
        "expires_on": credential.expires_on.isoformat() if credential.expires_on else None,
        "fields": shown,
        "photo": "photo" in disclose and bool(credential.photo),
    }


@dataclass(frozen=True)
class ShownCode:
    """A shown code's presentation as the journal will write its ``Presentation`` row: no row on the
    request path, so no model instance either (an unsaved one costs its field machinery per code)."""

    id: uuid.UUID
    credential_id: int
    presenter_id: int
    on_behalf: bool
    disclosed: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime

    @property
    def pk(self) -> uuid.UUID:
        return self.id


@dataclass
class Shown:
    presentation: ShownCode
    token: str
    claims: dict


def _remember(memo: dict, key, value):
    if len(memo) < held.DERIVED_MOST:
        memo[key] = value
    return value


def _disclosable(credential: Credential, memo: dict) -> frozenset[str]:
    found = memo.get("disclosable")
    if found is None:
        found = _remember(memo, "disclosable", frozenset(credential.type.fields_by_key) | frozenset(SPECIAL_DISCLOSURES))
    return found


def _kept_part(credential: Credential, disclose: list[str], memo: dict) -> tuple[dict, str]:
    """``disclosed_view`` and the kept entry's part it is in (``credentials.shown.credential_part``),
    once per credential of a held copy and choice of fields (never mutated: shared)."""
    key = ("kept", tuple(disclose))
    found = memo.get(key)
    if found is None:
        view = disclosed_view(credential, disclose)
        found = _remember(memo, key, (view, kept_shown.credential_part(credential, view)))
    return found


@use_case(audit=AuditEvent.Action.CREDENTIAL_PRESENTED)
def presentation_create(*, actor: User, credential: Credential | held.HeldCredential, disclose: Iterable[str], ttl: int | None = None) -> Shown:
    """Sign a one-time, short-lived presentation of one credential with only the chosen fields. Each
    person may create ``presentations`` (``core.quotas``) a minute: a QR on show needs a few, a script
    needs thousands. ``credential``: a row, or my own credential's held copy (``credentials.held``,
    ``selectors.credential_to_show``). What depends on the credential alone (its disclosed view, the
    fields it has, what a scan is kept) is computed once per held copy (``held.derived``); whether it has expired is
    the one rule's (``Credential.status_on``)."""
    if not may_present(actor, credential):
        raise NotFound(_("Not found."), code="not_found")
    quota = quotas.window("presentations", actor.pk)  # counted below, with the record, in one round trip (credentials.shown.publish)
    memo = held.derived(credential)
    status = credential.effective_status()
    if status != Credential.Status.VALID:
        raise Conflict(_("This credential is %(status)s and cannot be shown.") % {"status": credential.get_effective_status_display()},
                           code=f"credential_{status}")
    allowed = _disclosable(credential, memo)
    disclose = sorted(set(disclose))
    unknown = [key for key in disclose if key not in allowed]
    if unknown:
        raise ValidationError({"disclose": [_("Unknown field: %(keys)s") % {"keys": ", ".join(unknown)}]})
    ttl = min(max(int(ttl or settings.QILU_PRESENTATION_TTL), 15), 600)
    presentation_id = uuid.uuid4()
    # The code is a signed reference to this row (what it discloses stays here): small enough to scan.
    token, claims = signing.sign_compact_jti(presentation_id.hex, kind=PRESENTATION_KIND, ttl=ttl)
    own = credential.holder_kind == HolderKind.PERSON and credential.holder_index == actor.id_number_index  # no look-up for my own
    on_behalf = credential.holder_kind == HolderKind.PERSON and not own  # 代亮: a guardian shows a family member's credential
    presentation = ShownCode(id=presentation_id, credential_id=credential.pk, presenter_id=actor.pk, on_behalf=on_behalf, disclosed=disclose,
                             created_at=dt.datetime.fromtimestamp(claims["iat"], tz=dt.UTC), expires_at=dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC))
    # No row on the request path: the presentation and its audit event go to the check journal (written
    # inline when it runs inline or Redis is away); what a scan needs is kept in Redis (credentials.shown) —
    # with the quota's count, in one round trip.
    record = journal.entry(
        PRESENTATION, audit=AuditEvent.Action.CREDENTIAL_PRESENTED, presentation=presentation_id.hex, credential=credential.pk, presenter=actor.pk,
        on_behalf=on_behalf, disclosed=disclose, created_at=presentation.created_at.isoformat(), expires_at=presentation.expires_at.isoformat(),
        actor_description=_("家人 %(name)s（代亮）") % {"name": masking.shown("name", actor.name, viewer=masking.Viewer.DISPLAY)} if on_behalf else "",
        detail={"credential": credential.type.name, "identifier": credential.identifier, "disclosed": disclose} | ({"family": True} if on_behalf else {}),
    )
    view, part = _kept_part(credential, disclose, memo) if kept_shown.in_redis() else (None, None)
    if not kept_shown.publish(presentation, credential, view, quota=quota, record=record, part=part):
        quotas.take("presentations", actor.pk)
        journal.hand(record)
        if kept_shown.in_redis():
            kept_shown.keep(presentation, credential, view, part=part)
    return Shown(presentation=presentation, token=token, claims=claims)


@dataclass
class KeptPresentation:
    """A scanned code's presentation as kept in Redis at show time (``credentials.shown``): what a
    verdict, its record and the console read of it — a plain object, not an unsaved ``Presentation``
    (whose field and related-field machinery a scan paid for and never used). The journal writes the
    row; ``credential`` reads it from the database only when asked (the portal's console page)."""

    pk: uuid.UUID
    credential_id: int
    presenter_id: int
    on_behalf: bool
    disclosed: list
    created: float  # epoch seconds
    expires: float
    used_at: None = None  # never used as far as Redis knew at show time: the claim decides

    @property
    def id(self) -> uuid.UUID:
        return self.pk

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.created, tz=dt.UTC)

    @property
    def expires_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.expires, tz=dt.UTC)

    @functools.cached_property
    def credential(self) -> Credential:
        return Credential.objects.select_related("type__department").get(pk=self.credential_id)


@dataclass
class Verdict:
    valid: bool
    reason: str
    message: str
    credential: dict | None
    presentation: Presentation | KeptPresentation | None
    verification_id: uuid.UUID  # the check journal's record: the Verification row's journal_id once written
    rows: list[dict]  # the disclosed fields with their labels, for the console
    on_behalf: bool = False  # 代亮: shown by a guardian for the holder (family acting)


_STATUS_REASONS = {
    Credential.Status.SUSPENDED: Verification.Reason.CREDENTIAL_SUSPENDED,
    Credential.Status.REVOKED: Verification.Reason.CREDENTIAL_REVOKED,
    Credential.Status.SUPERSEDED: Verification.Reason.CREDENTIAL_SUPERSEDED,
    Credential.Status.EXPIRED: Verification.Reason.CREDENTIAL_EXPIRED,
}
PHOTO_SECONDS = 600


_WORDS: dict[tuple[str, str | None], str] = {}


def _verdict_words(reason: str) -> str:
    """A reason's words in the request's language: rendered once per reason and language in a process
    (its catalogues do not change while it runs), not looked up per scan."""
    key = (reason, get_language())
    words = _WORDS.get(key)
    if words is None:
        words = _WORDS[key] = str(Verification.Reason(reason).label)
    return words


def _jti(claims: dict) -> str | None:
    jti = claims.get("jti")
    if not isinstance(jti, str):
        return None
    try:
        return uuid.UUID(hex=jti).hex
    except ValueError:
        return None


def _presentation(jti: str) -> Presentation | None:
    return Presentation.objects.select_related("credential__type__department").filter(pk=uuid.UUID(hex=jti)).first()


def _consume(presentation: Presentation) -> bool:
    """One-time: the first scan wins. In Redis (one atomic SET NX) when the journal runs there, else a
    conditional update — either way two clerks scanning at once cannot both succeed."""
    if presentation.used_at is not None:
        return False
    seconds = int((presentation.expires_at - timezone.now()).total_seconds()) + 60
    first = journal.claim_once(f"presentation.{presentation.pk.hex}", seconds)
    if first is not None:
        return first
    return bool(Presentation.objects.filter(pk=presentation.pk, used_at__isnull=True).update(used_at=timezone.now()))


@dataclass
class _Scanned:
    """A scanned code's presentation and what the answer shows of it: from Redis (``credentials.shown``)
    or, when not kept there or the credential changed since it was shown, from the database."""

    presentation: Presentation | KeptPresentation
    credential_pk: int
    kept: dict | None = None

    @classmethod
    def read(cls, jti: str) -> _Scanned | None:
        kept = kept_shown.fetch(jti) if kept_shown.in_redis() else None
        if kept is None:
            presentation = _presentation(jti)
            return cls(presentation, presentation.credential_id) if presentation else None
        presentation = KeptPresentation(pk=uuid.UUID(hex=jti), credential_id=kept["credential"], presenter_id=kept["presenter"],
                                        on_behalf=kept["on_behalf"], disclosed=kept["disclosed"], created=kept["created"], expires=kept["expires"])
        return cls(presentation, kept["credential"], kept)

    def decide(self, record: dict) -> tuple[str, uuid.UUID | None]:
        """The verdict of a validly signed code — one-time use (``_consume``), then the credential's
        status — and the journal record's id when it is already appended. From Redis, one round trip:
        the claim, the question whether the credential changed since it was shown and, if not, the
        record (``credentials.shown.claim``); a changed credential is read now (revoked, suspended,
        re-issued) and the caller records."""
        answer = None
        if self.kept is not None:
            reason = _STATUS_REASONS.get(self.effective_status(), Verification.Reason.VALID)
            answer = kept_shown.claim(self.presentation.pk.hex, self.credential_pk, int(self.kept["expires"] - time.time()) + 60, record=record,
                                      first=reason, used=Verification.Reason.ALREADY_USED)
            if answer is not None and not answer[1]:
                return reason if answer[0] else Verification.Reason.ALREADY_USED, uuid.UUID(hex=record["id"])
        self.kept = None
        if answer is None:
            was_first = _consume(self.presentation)
        else:  # changed since it was shown: read it now
            was_first = answer[0]
            self.presentation.credential = Credential.objects.select_related("type__department").get(pk=self.credential_pk)
        return (_STATUS_REASONS.get(self.effective_status(), Verification.Reason.VALID) if was_first else Verification.Reason.ALREADY_USED), None

    def effective_status(self) -> str:
        if self.kept is None:
            return self.presentation.credential.effective_status()
        return Credential.status_on(self.kept["status"], self.kept["expires_on"] and dt.date.fromisoformat(self.kept["expires_on"]))

    def shown(self) -> tuple[dict, list[dict]]:
        """The signed view with only the chosen fields, and its rows labelled in the verifier's language."""
        if self.kept is None:
            credential = self.presentation.credential
            view, labels = disclosed_view(credential, self.presentation.disclosed), claim_labels(credential.type)
        else:
            view, labels = self.kept["view"], self.kept["labels"]["en" if get_language() == "en" else "zh"]  # as claim_labels chooses
        return view, [{"key": key, "label": labels.get(key, key), "value": value} for key, value in view["fields"].items()]


@use_case(audit=AuditEvent.Action.CREDENTIAL_VERIFIED)
def presentation_verify(*, actor: User, token: str) -> Verdict:
    """Check a scanned presentation: signature and key, expiry, one-time use, then the credential's
    current status. Answered from the key ring and Redis (what the code showed, kept at show time; the
    one-time claim; has the credential changed since) — the database only when Redis cannot answer; the
    verification, its audit event and the holder's notice go to the check journal (``credentials.journal``)."""
    if not may_verify(actor):
        raise Forbidden(_("Only window clerks may verify credentials."), code="permission_denied")
    claims: dict = {}
    try:
        claims = signing.verify_compact(token, kind=PRESENTATION_KIND)
        reason = Verification.Reason.VALID
    except signing.SignatureRejected as exc:
        reason, claims = exc.reason, exc.claims

    jti = _jti(claims) if reason in (Verification.Reason.VALID, Verification.Reason.EXPIRED) else None
    scanned = _Scanned.read(jti) if jti else None
    presentation = scanned.presentation if scanned else None
    if presentation is None and reason == Verification.Reason.VALID:
        reason = Verification.Reason.UNKNOWN_PRESENTATION
    record = journal.entry(VERIFICATION, audit=AuditEvent.Action.CREDENTIAL_VERIFIED, verifier=actor.pk,
                           presentation=presentation.pk.hex if presentation else None, valid=False, reason=reason)
    verification_id = None
    if reason == Verification.Reason.VALID:
        reason, verification_id = scanned.decide(record)
    valid = reason == Verification.Reason.VALID
    if verification_id is None:
        verification_id = journal.hand({**record, "valid": valid, "reason": reason})
    shown, rows = scanned.shown() if valid else (None, [])
    if shown and "photo" in presentation.disclosed:  # the console fetches it at once, before the journal has written the rows
        cache.set(selectors.verified_photo_key(verification_id), (actor.pk, presentation.pk.hex, scanned.credential_pk), PHOTO_SECONDS)
    return Verdict(
        valid=valid,
        reason=reason,
        message=_verdict_words(reason),
        credential=shown,
        presentation=presentation,
        verification_id=verification_id,
        rows=rows,
        on_behalf=bool(valid and presentation.on_behalf),
    )
