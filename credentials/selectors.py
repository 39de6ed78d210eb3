"""Credential reads: wallets, one credential for its holder (404 for anyone else), checks, and the
"does this holder have a valid X" question other apps ask (免证办)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.errors import NotFound
from core.public_cache import Stamp
from credentials.claims import claim_labels
from credentials.holders import holder_index
from credentials.models import (
    Credential,
    CredentialType,
    HolderKind,
    PresentationRequest,
    RelyingParty,
    SealCertificate,
    Verification,
)
from credentials.permissions import acts_for, presents_for_family
from identity.models import Organisation, User
from identity.permissions import may_act_for

if TYPE_CHECKING:
    from credentials.held import HeldCredential

RELYING_PARTIES = Stamp("relying-parties")  # the public verifier register (credentials/receivers.py)
CREDENTIAL_TYPES = Stamp("credential-types")  # moved by credentials/receivers.py on any change to a type or its issuers


def credential_types() -> QuerySet[CredentialType]:
    """The active credential types, public: what an issuer may push and what a wallet may hold."""
    return CredentialType.objects.filter(is_active=True).select_related("department").prefetch_related("issuers").order_by("code")


def credential_type_for(code: str) -> CredentialType:
    credential_type = credential_types().filter(code=code).first()
    if credential_type is None:
        raise NotFound()
    return credential_type


def _base() -> QuerySet[Credential]:
    return Credential.objects.select_related("type__department")


def _front_page(credentials: QuerySet[Credential]) -> QuerySet[Credential]:
    """The wallet's front page: neither hidden by the holder nor replaced by a newer copy (换证)."""
    return credentials.filter(hidden=False).exclude(status=Credential.Status.SUPERSEDED)


def wallet_for(user: User, *, include_hidden: bool = True) -> QuerySet[Credential]:
    """My credentials; without ``include_hidden`` only the front page (no hidden, no superseded ones)."""
    credentials = _base().filter(holder_kind=HolderKind.PERSON, holder_index=user.id_number_index)
    return credentials if include_hidden else _front_page(credentials)


def current_of(credentials: QuerySet[Credential], *, include_hidden: bool = False) -> QuerySet[Credential]:
    """The wallet's main list: every copy not replaced by a newer one, hidden ones only when asked."""
    return credentials.exclude(status=Credential.Status.SUPERSEDED) if include_hidden else _front_page(credentials)


def history_of(credentials: QuerySet[Credential]) -> QuerySet[Credential]:
    """历史证照: the copies a newer one replaced, newest first — shown apart, never presentable."""
    return credentials.filter(status=Credential.Status.SUPERSEDED).select_related("superseded_by").order_by("-issued_on", "-id")


def organisation_wallet(user: User, organisation: Organisation, *, include_hidden: bool = True) -> QuerySet[Credential]:
    """An organisation's licences, for its legal representative or an agent allowed to view them."""
    if not may_act_for(user=user, organisation=organisation, scope="credentials.view"):
        raise NotFound()
    credentials = _base().filter(holder_kind=HolderKind.ORGANISATION, holder_index=holder_index(HolderKind.ORGANISATION, organisation.credit_code))
    return credentials if include_hidden else _front_page(credentials)


def credential_for(user: User, identifier: str) -> Credential:
    """One credential the user holds or may view for an organisation; anything else is 404."""
    credential = _base().filter(identifier=identifier).first()
    if credential is None:
        raise NotFound()
    if credential.holder_kind == HolderKind.PERSON:
        if credential.holder_index != user.id_number_index and not presents_for_family(user, credential):
            raise NotFound()
        return credential
    organisation = Organisation.objects.filter(credit_code=credential.holder_number).first()
    if organisation is None or not may_act_for(user=user, organisation=organisation, scope="credentials.view"):
        raise NotFound()
    return credential


def credential_to_show(user: User, identifier: str) -> Credential | HeldCredential:
    """``credential_for`` for 亮证: a valid credential of the user's own from its cached copy
    (``credentials.held``: what showing needs, as plain data — a ``HeldCredential``), anything else
    as before (a ``Credential``: someone else's shown for them, an organisation's licence)."""
    if user.id_number_index:
        from credentials.held import held_to_show

        found = held_to_show(user.id_number_index, identifier)
        if found is not None:
            return found
    return credential_for(user, identifier)


def checks_of(user: User) -> QuerySet[Verification]:
    """Who checked my credentials (and my organisations' licences I may view), newest first."""
    mine = Q(credential__holder_kind=HolderKind.PERSON, credential__holder_index=user.id_number_index)
    return Verification.objects.filter(mine).select_related("credential__type", "verifier", "service_hall")


def valid_credential(*, holder_kind: str, holder_number: str = "", type_code: str, index: str = "") -> Credential | None:
    """The holder's newest valid credential of a type, or None. Fields via ``credential.fields``."""
    return valid_credentials(holder_kind=holder_kind, holder_number=holder_number, index=index, type_codes=[type_code]).get(type_code)


_TYPE_IDS: dict[str, tuple[int, dict[str, int]]] = {}  # "ids": (the types' stamp, code → id), kept in this process


def type_ids(codes) -> list[int]:
    """The ids of these credential types (unknown codes left out), kept in this process under the types'
    stamp: a holder's credentials of some types are then read through the (holder_index, type) index —
    by code, through a join, PostgreSQL may read every credential the holder has and filter."""
    stamp = CREDENTIAL_TYPES.current()
    kept = _TYPE_IDS.get("ids")
    if kept is None or kept[0] != stamp or not set(codes) <= kept[1].keys():
        kept = _TYPE_IDS["ids"] = (stamp, dict(CredentialType.objects.values_list("code", "id")))
    return sorted(kept[1][code] for code in codes if code in kept[1])


def valid_credentials(*, holder_kind: str, holder_number: str = "", type_codes, index: str = "") -> dict[str, Credential]:
    """The holder's newest valid credential of each of these types, by type code: one query, which
    reads the holder's credentials of these types only (the (holder_index, type) index) and answers
    one row per type — never every credential the holder has: a person who applied thousands of
    times holds thousands of results, and a 秒批 submission asks for two types (issue 25). ``index``:
    the holder's index when the caller has it (a person's ``id_number_index``), instead of the number."""
    ids = type_ids(set(type_codes)) if type_codes else []
    if not ids:
        return {}
    index = index or holder_index(holder_kind, holder_number)
    if connections[Credential.objects.db].vendor == "postgresql":
        credentials = _newest_valid(holder_kind, index, ids)
    else:
        rows = (Credential.objects.select_related("type").defer("photo")  # what the callers read: type code, identifier, number, fields
                .filter(holder_kind=holder_kind, holder_index=index, status=Credential.Status.VALID)
                .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate())))
        credentials = newest_per_type(rows, ids)
    found: dict[str, Credential] = {}
    for credential in credentials:
        found.setdefault(credential.type.code, credential)
    return found


@functools.cache
def _newest_valid_statement() -> tuple[str, list, list]:
    """``_newest_valid``'s statement, written once per process from the models (names quoted, every value a
    parameter), and for the credential's columns, then its type's, each one's attribute, column and converters (as
    the ORM applies them when it reads a row)."""
    connection = connections[Credential.objects.db]
    q = connection.ops.quote_name
    kind = CredentialType._meta
    fields = [field for field in Credential._meta.concrete_fields if field.name != "photo"]  # what callers read; never the photo
    columns = [q(field.column) for field in fields]
    picked = ", ".join(f"c.{column}" for column in columns) + ", " + ", ".join(f"t.{q(field.column)}" for field in kind.concrete_fields)
    newest = (f"SELECT {', '.join(columns)} FROM {q(Credential._meta.db_table)} WHERE holder_kind = %s AND holder_index = %s "  # noqa: S608 — our names
              "AND type_id = wanted.type_id AND status = %s AND (expires_on IS NULL OR expires_on >= %s) ORDER BY issued_on DESC, id DESC LIMIT 1")
    sql = (f"SELECT {picked} FROM unnest(%s::bigint[]) AS wanted(type_id) CROSS JOIN LATERAL ({newest}) AS c "  # noqa: S608 — our names, quoted
           f"JOIN {q(kind.db_table)} AS t ON t.id = c.type_id ORDER BY c.type_id")

    def reading(model_fields, table):
        return [(field.attname, field.get_col(table), field.get_db_converters(connection) + connection.ops.get_db_converters(field.get_col(table)))
                for field in model_fields]

    return sql, reading(fields, Credential._meta.db_table), reading(kind.concrete_fields, kind.db_table)


def _built(model, alias: str, reading: list, values) -> object:
    """An instance of ``model`` from a row's values, converted as the ORM converts them (``Model.from_db``: the
    columns not read are deferred)."""
    connection = connections[alias]
    converted = []
    for (_attname, column, converters), value in zip(reading, values, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(alias, [attname for attname, _column, _converters in reading], converted)


def _newest_valid(holder_kind: str, index: str, ids: list[int]) -> list[Credential]:
    """On PostgreSQL, ``newest_per_type``'s rows with their type as ``select_related`` gives them, from one statement
    written once per process: for each asked type (``unnest``) the newest valid row, a ``LATERAL … LIMIT 1`` through
    the (holder_index, type) index. Django compiled ``newest_per_type``'s ``UNION ALL`` afresh per call — ~1.8 CPU ms,
    more than a whole signed-in request (issue 25, h-submit2's profile); a test compares the two."""
    sql, credential_reading, type_reading = _newest_valid_statement()
    alias = Credential.objects.db
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [ids, holder_kind, index, Credential.Status.VALID, timezone.localdate()])
        rows = cursor.fetchall()
    type_field, split = Credential._meta.get_field("type"), len(credential_reading)
    found = []
    for row in rows:
        credential = _built(Credential, alias, credential_reading, row[:split])
        type_field.set_cached_value(credential, _built(CredentialType, alias, type_reading, row[split:]))
        found.append(credential)
    return found


def newest_per_type(rows: QuerySet[Credential], ids: list[int]) -> QuerySet[Credential]:
    """Of ``rows`` (one holder's), the newest of each of these types: on PostgreSQL one statement of one
    branch per type — ``holder_index = … AND type_id = …`` ordered by issue date, first row — which the
    (holder_index, type) index answers whatever else the holder holds, and whatever the planner thinks of
    the holder's share of the table (with ``type_id IN (…)`` it may read every credential of a type, or
    every one of the holder's). Elsewhere (SQLite) one plain query."""
    ordered = rows.order_by("-issued_on", "-id")
    if not ids:
        return ordered.none()
    if len(ids) == 1 or not connections[rows.db].features.supports_slicing_ordering_in_compound:
        return ordered.filter(type_id__in=ids)[: 1 if len(ids) == 1 else None]
    first, *others = (ordered.filter(type_id=type_id)[:1] for type_id in ids)
    return first.union(*others, all=True)


def verified_photo_key(verification_id: uuid.UUID) -> str:
    """Set by a valid verification that disclosed the photo: the console asks for it at once, before
    the check journal has written the verification row."""
    return f"verified-photo.{verification_id.hex}"


def verified_photo(*, verifier: User, verification_id: uuid.UUID) -> bytes | None:
    """The holder photo of a presentation this verifier found valid, if the holder disclosed it."""
    marked = cache.get(verified_photo_key(verification_id))
    if marked and marked[0] == verifier.pk:  # (verifier, presentation, credential): set only when the photo was disclosed
        credential = Credential.objects.filter(pk=marked[2]).only("photo").first()
        return base64.b64decode(credential.photo) if credential and credential.photo else None
    verification = Verification.objects.select_related("presentation__credential").filter(
        journal_id=verification_id, verifier=verifier, valid=True).first()
    presentation = verification.presentation if verification else None
    if presentation is None or "photo" not in presentation.disclosed or not presentation.credential.photo:
        return None
    return base64.b64decode(presentation.credential.photo)


# --- the verifier register and presentations over OpenID4VP --------------------------------------


def relying_parties() -> list:
    """The public register: every active relying party with what it may ask for (labelled)."""

    types = {ctype.code: ctype for ctype in credential_types()}
    parties = list(RelyingParty.objects.filter(is_active=True).order_by("kind", "client_id"))
    for party in parties:
        party.may_ask = []
        for code, keys in sorted(party.allowed.items()):
            if code in types:
                labels = claim_labels(types[code])
                party.may_ask.append({"credential_type": code, "name": types[code].local_name,
                                      "fields": [{"key": key, "label": labels.get(key, key)} for key in keys]})
    return parties


def relying_parties_of(user: User) -> list:
    """The registered parties this staff member may ask for, with what each may ask (labelled)."""
    mine = set(RelyingParty.objects.filter(members=user, is_active=True).values_list("pk", flat=True))
    return [party for party in relying_parties() if party.pk in mine]


def shared_by(user: User) -> QuerySet:
    """My answers to relying parties' requests: who asked for what, why, and when."""

    return (PresentationRequest.objects.filter(holder_index=user.id_number_index).exclude(status=PresentationRequest.Status.PENDING)
            .select_related("relying_party", "credential_type").order_by("-answered_at"))


def shared_log(user: User, *, limit: int = 50) -> list:
    """The holder's own page of ``shared_by``: each answer with its fields as labels, not claim keys."""
    answers = list(shared_by(user)[:limit])
    for answer in answers:
        labels = claim_labels(answer.credential_type)
        answer.field_labels = [labels.get(key, key) for key in answer.fields]
    return answers


def presentation_request_for(actor, pk) -> object:
    """A request, for the staff member or system that may act for its relying party; 404 for anyone else."""

    found = PresentationRequest.objects.select_related("relying_party", "credential_type").filter(pk=pk).first()
    if found is None or not acts_for(actor, found.relying_party):
        raise NotFound()
    return found


def disclosed_rows(request) -> list[dict]:

    labels = claim_labels(request.credential_type)
    return [{"key": key, "label": labels.get(key, key), "value": str(value)} for key, value in request.disclosed.items()]


def expiring_for(user: User, *, days: int = 30) -> QuerySet[Credential]:
    """The person's valid credentials that expire within ``days`` (today included), soonest first:
    the signed-in home's "renew soon" cards."""
    today = timezone.localdate()
    return (wallet_for(user, include_hidden=False).filter(status=Credential.Status.VALID, expires_on__gte=today,
                                                           expires_on__lte=today + dt.timedelta(days=days)).order_by("expires_on"))


# --- electronic seals --------------------------------------------------------------------------------


def seal_trust_roots() -> list:
    """The roots a verifier of our sealed documents trusts (asn1crypto certificates): the configured
    ones (``QILU_SEAL_TRUST_ROOTS``), and the local one."""
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pems = [row.certificate_pem.encode() for row in SealCertificate.objects.filter(kind=SealCertificate.Kind.ROOT)]
    roots = [x509.load_pem_x509_certificate(pem) for pem in pems]
    path = getattr(settings, "QILU_SEAL_TRUST_ROOTS", "")
    if path:
        with open(path, "rb") as handle:
            roots += x509.load_pem_x509_certificates(handle.read())
    return [asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER)) for root in roots]


def seal_root_pem() -> str:
    """The local root's certificate (PEM), to install in a PDF reader's trust store."""
    return "".join(row.certificate_pem for row in SealCertificate.objects.filter(kind=SealCertificate.Kind.ROOT))


def issued_by(issuer, record_id: str) -> Credential:
    """One credential an issuing system issued, by its own record number (found by blind index)."""
    from credentials.models import issuer_record_index

    credential = Credential.objects.select_related("type").filter(issuer=issuer, issuer_record_index=issuer_record_index(record_id)).first()
    if credential is None:
        raise NotFound()
    return credential
