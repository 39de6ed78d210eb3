"""鲁通码 use cases: show my code, a reader resolves one, a holder switches a scenario, readers and
terminals are registered and revoked.

The code is a COSE_Sign1/CWT made QR-alphanumeric (``credentials.signing.sign_compact``, signed
through the crypto provider like the 亮证 code and the health pass) holding only a one-time nonce
(``jti``), the times, and ``sub``: the person's index sealed with AES-256-GCM under a key only the
platform holds — no name, no number, and two codes of one person look unrelated. Resolving is
answered from memory plus one read of the person's credentials; the read and its audit event go to
the check journal (``lutong.journal``), like a checkpoint's health-pass scan."""

from __future__ import annotations

import binascii
import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import crypto, journal
from core.crypto import algorithms as algs
from core.errors import Forbidden, Invalid
from core.usecases import SystemActor, pure, unchanged, use_case
from credentials import signing
from identity.models import User
from identity.services import audit_record
from lutong import selectors
from lutong.actions import CODE_READ, READER_CHANGED, SCENARIO_SWITCHED
from lutong.journal import RESOLUTION
from lutong.models import REASONS, OptOut, Reader, Scenario, Terminal, Transport, UsedCode

CODE_KIND = "qilu-lt+cwt"
SUBJECT_KEY = "lutong-subject/v1"
NOT_REGISTERED = "reader_not_registered"



@pure
def ttl() -> int:
    """How long a code lives: QILU_LUTONG_TTL, never more than 60 seconds."""
    return max(10, min(int(settings.QILU_LUTONG_TTL), 60))


@pure
def seal_subject(person_index: str) -> bytes:
    return crypto.provider().encrypt(algs.AES_256_GCM, SUBJECT_KEY, bytes.fromhex(person_index), b"lt-sub")


@pure
def open_subject(sealed) -> str | None:
    if not isinstance(sealed, bytes):
        return None
    try:
        return crypto.provider().decrypt(algs.AES_256_GCM, SUBJECT_KEY, sealed, b"lt-sub").hex()
    except (ValueError, crypto.CryptoError, binascii.Error, TypeError):
        return None


@dataclass
class Code:
    payload: str
    expires_at: dt.datetime
    ttl: int


@pure
def code_show(*, user: User) -> Code:
    """My 鲁通码: a freshly signed payload for the phone to draw, expiring in ``ttl()`` seconds. Nothing
    is stored; the nonce is spent when a reader resolves it."""
    lifetime = ttl()
    payload, claims = signing.sign_compact({"jti": secrets.token_hex(12), "sub": seal_subject(user.id_number_index)}, kind=CODE_KIND, ttl=lifetime)
    return Code(payload=payload, expires_at=dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC), ttl=lifetime)


@dataclass
class Answer:
    valid: bool
    reason: str
    message: str
    scenario: Scenario
    fields: list[dict]
    check_id: uuid.UUID


def _refuse_reader() -> Forbidden:
    """One answer for an unknown, revoked or suspended reader: nothing about the code."""
    return Forbidden(_("This reader is not registered for 鲁通码."), code=NOT_REGISTERED)


def _spend(nonce: str, expires: int) -> bool:
    """One-time use: the first resolve wins (Redis SET NX in production; a unique row otherwise)."""
    seconds = max(1, expires - int(timezone.now().timestamp())) + 60
    first = journal.claim_once(f"lutong.{nonce}", seconds)
    if first is not None:
        return first
    try:
        with transaction.atomic():
            UsedCode.objects.create(nonce=nonce[:32], expires_at=dt.datetime.fromtimestamp(expires, tz=dt.UTC) + dt.timedelta(seconds=60))
    except IntegrityError:
        return False
    return True


def _check(code: str) -> tuple[str, str | None, dict]:
    """(reason, the holder's index when the code is ours and readable, claims)."""
    ring = signing.keyring()
    try:
        claims = signing.verify_compact_with(code, kind=CODE_KIND, keys=ring.public, retired=ring.retired)
        reason = "valid"
    except signing.SignatureRejected as exc:
        reason, claims = exc.reason, exc.claims or {}
    person = open_subject(claims.get("sub")) if reason in ("valid", "expired") else None
    if reason == "valid" and (person is None or not isinstance(claims.get("jti"), str)):
        reason = "malformed"
    return reason, person, claims


@use_case(audit=CODE_READ)
def code_resolve(*, actor: Terminal | None, code: str, transport: str) -> Answer:
    """A registered reader's terminal resolves a code: its scenario's fields, and nothing else. An
    unknown, revoked or suspended reader is refused before the code is looked at. The read (or the
    refusal of a code) is recorded through the check journal, for the holder to see."""
    if actor is None or actor.revoked_at is not None or not actor.reader.relying_party.is_active:
        raise _refuse_reader()
    reader = actor.reader
    if transport not in reader.transports:
        raise Forbidden(_("This reader is not registered to read codes this way."), code="transport_not_registered")
    reason, person, claims = _check((code or "").strip())
    if reason == "valid" and not _spend(claims["jti"], claims["exp"]):
        reason = "replayed"
    fields: list[dict] = []
    if reason == "valid":
        switched_off, fields = selectors.answer_for(person, reader.scenario)
        reason = "switched_off" if switched_off else reason
    check_id = journal.record(RESOLUTION, audit=CODE_READ, terminal=actor.pk, person=person or "", transport=transport,
                              reason=reason, fields=[f"{row['credential_type']}.{row['key']}" for row in fields])
    return Answer(valid=reason == "valid", reason=reason, message=str(REASONS.get(reason, REASONS["malformed"])),
                  scenario=reader.scenario, fields=fields, check_id=check_id)


@use_case(audit=SCENARIO_SWITCHED)
def scenario_switch(*, actor: User, scenario: Scenario, enabled: bool) -> bool:
    """The holder switches an optional scenario on or off; a statutory one cannot be switched off."""
    if scenario.statutory:
        raise Invalid(_("%(scenario)s is required by law and cannot be switched off.") % {"scenario": scenario.name}, code="scenario_statutory")
    if enabled:
        changed = bool(OptOut.objects.filter(user=actor, scenario=scenario).delete()[0])
    else:
        changed = OptOut.objects.get_or_create(user=actor, scenario=scenario)[1]
    if not changed:
        unchanged()
        return enabled
    audit_record(action=SCENARIO_SWITCHED, actor=actor, subject=actor, detail={"scenario": scenario.name, "enabled": enabled})
    return enabled


REGISTER_PERMISSION = "credentials.change_relyingparty"  # who keeps the verifier register keeps its readers


def _may_register(actor) -> None:
    if not actor.has_perm(REGISTER_PERMISSION):
        raise Forbidden(_("You may not do this."), code="permission_denied")


@use_case(audit=READER_CHANGED)
def terminal_add(*, actor: User | SystemActor, reader: Reader, name: str) -> tuple[Terminal, str]:
    """A new terminal for a reader; returns it and its token (shown once: only a digest is kept)."""
    _may_register(actor)
    terminal = Terminal(reader=reader, name=name)
    token = terminal.set_new_secret()
    terminal.save()
    audit_record(action=READER_CHANGED, actor=actor, detail={"reader": reader.relying_party.name, "terminal": name, "change": "added"})
    return terminal, token


@use_case(audit=READER_CHANGED)
def terminal_revoke(*, actor: User | SystemActor, terminal: Terminal) -> Terminal:
    """Revoke one terminal: from now on it is refused like an unregistered reader."""
    _may_register(actor)
    if terminal.revoked_at is not None:
        unchanged()
        return terminal
    terminal.revoked_at = timezone.now()
    terminal.save(update_fields=["revoked_at"])
    audit_record(action=READER_CHANGED, actor=actor, detail={"reader": terminal.reader.relying_party.name, "terminal": terminal.name,
                                                             "change": "revoked"})
    return terminal


@use_case(audit=READER_CHANGED)
def reader_register(*, actor: User | SystemActor, relying_party, scenario: Scenario, transports: list[str]) -> Reader:
    """Register a relying party of the verifier register as a reader of one scenario. Its registration
    must already allow every field the scenario answers (``oid4vp.beyond_registration``, the check the
    OpenID4VP requests meet), and the transports must be known."""
    from django.core.exceptions import ValidationError

    from credentials.openid.oid4vp import beyond_registration
    from lutong.models import validate_transports

    _may_register(actor)
    validate_transports(transports)
    beyond = {code: beyond_registration(relying_party, code, keys) for code, keys in scenario.allowed.items()}
    beyond = {code: keys for code, keys in beyond.items() if keys}
    if beyond:
        raise ValidationError(_("%(party)s is not registered to see: %(fields)s") % {
            "party": relying_party.name, "fields": "; ".join(f"{code}: {', '.join(keys)}" for code, keys in sorted(beyond.items()))})
    reader, _created = Reader.objects.update_or_create(relying_party=relying_party, defaults={"scenario": scenario, "transports": list(transports)})
    audit_record(action=READER_CHANGED, actor=actor, detail={"reader": relying_party.name, "scenario": scenario.name,
                                                             "transports": [str(Transport(t).label) for t in transports]})
    return reader
