"""What a clerk's scan needs of a presentation (亮证), kept in Redis beside the check journal (issue 25).

Showing a credential writes no row on the request path: the presentation and its audit event go to the
journal (``credentials.journal.PRESENTATION``), and what a verifier needs — the credential's signed view
with only the chosen fields (pre-rendered at show time, ID numbers already masked), its labels in every
language, expiry, who showed it and for whom — is kept here, encrypted (it holds personal data) under
the presentation's id, for the code's life plus a minute. A scan reads it with one GET, decides
one-time use with one SET NX (``core.journal.claim_once``) and asks one EXISTS: has the credential
changed since it was shown?

That last key is what keeps revocation immediate: every save of a credential (issue, re-push, status
change, 换证 — ``credentials.receivers``) sets ``changed`` for longer than any code lives, and a scan
that finds it reads the credential from PostgreSQL as before. A credential changed by SQL outside the
application (a DBA's UPDATE) is seen by codes shown after it, not by codes already on a screen —
docs/credentials.md says so. When the journal is inline, or Redis lost the entry, the scan reads the
presentation row (the database path)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging

from django.conf import settings
from django.core.cache import cache

from core import journal, quotas, ratelimits, redis_held
from identity import crypto, prefetch

logger = logging.getLogger("qilu.credentials")
CHANGED_SECONDS = 600 + 120  # longer than any code lives (services.presentation_create caps ttl at 600 s)


def _key(presentation_id: str) -> str:
    return f"qilu:shown:{presentation_id}"


def _changed_key(credential_pk: int) -> str:
    return f"qilu:credential-changed:{credential_pk}"


def in_redis() -> bool:
    return settings.QILU_CHECK_JOURNAL == "redis"


# One round trip for a shown code (issue 25): count it against the person's quota and, within it,
# append its journal record and keep what a scan needs — or, over the quota, do neither.
_SHOW = """
local used = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
if used > tonumber(ARGV[1]) then return used end
redis.call('XADD', KEYS[2], '*', 'r', ARGV[3])
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5])
return used
"""


@functools.cache
def _show_script(client):
    return client.register_script(_SHOW)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def credential_part(credential, view: dict) -> str:
    """The kept entry's members that depend only on the credential and what it discloses — its status,
    expiry, photo, disclosed view and labels —, as JSON without the opening brace."""
    from credentials.claims import labelled_claims

    claims = labelled_claims(credential.type)  # what claim_labels answers in each language
    labels = {"zh": {name: zh for name, zh, _en in claims}, "en": {name: en for name, _zh, en in claims}}
    return _ENCODER.encode({"status": credential.status, "expires_on": credential.expires_on.isoformat() if credential.expires_on else None,
                            "photo": bool(credential.photo), "view": view, "labels": labels})[1:]


def _kept(presentation, credential, view: dict, part: str | None = None) -> tuple[str, bytes, int]:
    """What a scan needs of ``presentation`` (unsaved: the journal writes it), encrypted under its own
    key's context, for its life plus a minute. The entry is one JSON object (``fetch`` reads it): the
    code's own members, then the credential's (``part``: ``credential_part``, which the caller may have
    kept — once per held copy and disclosure, ``credentials.held.derived``): the same bytes as the
    whole entry encoded at once."""
    if part is None:
        part = credential_part(credential, view)
    own = _ENCODER.encode({"credential": credential.pk, "type": credential.type_id, "presenter": presentation.presenter_id,
                           "on_behalf": presentation.on_behalf, "disclosed": presentation.disclosed, "created": presentation.created_at.timestamp(),
                           "expires": presentation.expires_at.timestamp()})
    key = _key(presentation.pk.hex)
    seconds = max(1, int((presentation.expires_at - dt.datetime.now(dt.UTC)).total_seconds()) + 60)
    return key, crypto.encrypt_bytes((own[:-1] + "," + part).encode(), context=key), seconds


def publish(presentation, credential, view: dict, *, quota, record: dict, part: str | None = None) -> bool:
    """In one Redis round trip: count the code against ``quota`` (a ``core.quotas.Window``; over it,
    ``TooMany`` and nothing else happens), append ``record`` (a ``core.journal.entry``) to the journal
    and keep what a scan needs. False when Redis cannot answer now: the caller counts, records and
    keeps the ordinary way (the local quota floor, the record written inline). ``part``: the
    entry's ``credential_part``, when the caller kept it."""
    if not in_redis() or ratelimits.shared_down():
        return False
    key, blob, seconds = _kept(presentation, credential, view, part)
    replicas = getattr(settings, "QILU_JOURNAL_REPLICAS", 0)
    # the quota key as made: validating it only warns of memcached-unsafe keys, and it is ours
    keys, args = [cache.make_key(quota.key), journal.STREAM, key], [quota.count, quota.seconds + 1, journal.raw(record), blob, seconds]
    try:
        client = journal._redis()
        # one round trip on the held connection (core.redis_held); behind Sentinel, WAIT for the replicas to hold it too (core.journal._append)
        answers = redis_held.run_script(client, _show_script(client), keys, args, then=(("WAIT", replicas, 50),) if replicas else ())
    except Exception as exc:  # noqa: BLE001 — counted, recorded and kept the ordinary way instead
        ratelimits.trip()
        logger.warning("shown code not published in one round trip (%s): the ordinary way", type(exc).__name__)
        return False
    if int(answers[0]) > quota.count:
        raise quotas.TooMany(retry_after=quota.retry_after)
    if replicas and int(answers[1]) < replicas:
        journal.unreplicated(record)
    return True


def keep(presentation, credential, view: dict, *, part: str | None = None) -> None:
    """Keep what a scan needs of ``presentation`` for its life plus a minute (when ``publish`` could not)."""
    key, blob, seconds = _kept(presentation, credential, view, part)
    try:
        journal._redis().set(key, blob, ex=seconds)
    except Exception as exc:  # noqa: BLE001 — a scan then reads the row the journal wrote inline
        logger.warning("presentation not kept in Redis (%s): a scan reads the database", type(exc).__name__)


def fetch(presentation_id: str) -> dict | None:
    """The kept entry, or None (never kept, expired, Redis away or a blob that does not authenticate)."""
    from core import journal

    key = _key(presentation_id)
    try:
        found, blob = prefetch.take(key)  # read with the clerk's session when the scan's route asked for it
        if not found:
            blob = journal._redis().get(key)
    except Exception as exc:  # noqa: BLE001
        logger.warning("presentation not readable from Redis (%s): the database answers", type(exc).__name__)
        return None
    if blob is None:
        return None
    try:
        return json.loads(crypto.decrypt_bytes(blob, context=key))
    except (crypto.provider_.CryptoError, ValueError, TypeError):
        return None


# A scan in one round trip (issue 25): claim the code's one-time use, ask whether its credential changed
# since it was shown and — when it did not — append the scan's record: its JSON up to its verdict
# (ARGV[2]) and the verdict of a first scan (ARGV[3]) or of a code already used (ARGV[4]). A changed
# credential appends nothing: the caller reads it and records.
_SCAN = """
local first = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) and 1 or 0
local changed = redis.call('EXISTS', KEYS[2])
if changed == 0 then redis.call('XADD', KEYS[3], '*', 'r', ARGV[2] .. (first == 1 and ARGV[3] or ARGV[4])) end
return {first, changed}
"""


@functools.cache
def _scan_script(client):
    return client.register_script(_SCAN)


_ENDINGS: dict[tuple[bool, str], str] = {}


def _ending(valid: bool, reason: str) -> str:
    """A scan record's last members, its verdict, as ``core.journal.raw`` writes them (once per verdict)."""
    found = _ENDINGS.get((valid, reason))
    if found is None:
        found = _ENDINGS[(valid, reason)] = _ENCODER.encode({"valid": valid, "reason": reason})[1:]
    return found


def claim(presentation_id: str, credential_pk: int, seconds: int, *, record: dict, first: str, used: str) -> tuple[bool, bool] | None:
    """In one round trip: claim the code's one-time use (``SET NX``, as ``core.journal.claim_once``),
    ask whether its credential was saved within the life of any code and, if it was not, append the
    scan's journal record (``core.journal.entry``, its last members ``valid`` and ``reason``) with the
    verdict ``first`` (a reason: valid only if "valid") or ``used``, as the claim went — the record
    written once, its verdict put in by the script: the same bytes as ``journal.raw`` of either. None
    when Redis cannot answer (the caller decides with the database, and records)."""
    from core import journal

    if list(record)[-2:] != ["valid", "reason"]:  # never: presentation_verify makes the entry with them last
        raise ValueError("a scan record ends with its verdict")
    written, ending = journal.raw(record), _ending(record["valid"], record["reason"])
    keys = [journal.once_key(f"presentation.{presentation_id}"), _changed_key(credential_pk), journal.STREAM]
    args = [max(1, seconds), written[:-len(ending)], _ending(first == "valid", first), _ending(False, used)]
    replicas = getattr(settings, "QILU_JOURNAL_REPLICAS", 0)
    try:
        client = journal._redis()
        if replicas:  # and WAIT for the replicas on the same connection (core.journal._append)
            pipe = client.pipeline(transaction=False)
            pipe.eval(_SCAN, len(keys), *keys, *args)
            pipe.execute_command("WAIT", replicas, 50)
            (was_first, changed), held_by = pipe.execute()
        else:
            (was_first, changed), held_by = _scan_script(client)(keys=keys, args=args), replicas
    except Exception as exc:  # noqa: BLE001
        logger.warning("one-time use not claimable in Redis (%s): the database decides", type(exc).__name__)
        return None
    if replicas and not changed and int(held_by) < replicas:
        reason = first if was_first else used
        journal.unreplicated({**record, "valid": reason == "valid", "reason": reason})
    return bool(was_first), bool(changed)


def mark_changed(credential_pk: int) -> None:
    """A credential was saved: codes already shown read it afresh at their scan. Raises when Redis is
    away, so the change is refused rather than missed by a scan (fail closed)."""
    if in_redis():
        from core import journal

        journal._redis().set(_changed_key(credential_pk), b"1", ex=CHANGED_SECONDS)
