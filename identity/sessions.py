"""Session store that encrypts session data at rest, with a read-through cache that also carries the
session's user.

allauth keeps pending sign-in state (for example the phone number a code was sent to) in the session;
Django's default encoding is signed but readable base64. Encrypting it keeps personal numbers out of
the sessions table — and out of Redis: unlike Django's ``cached_db`` engine, which caches the decoded
dict, this caches the *encrypted* string. The database stays the source of truth (a cache outage or
miss reads it), and deleting a session (sign-out, "sign out my other devices") deletes the cached
copy too.

The cached entry is ``(encrypted session, its expiry, user snapshot)``: once a request has found the session's
user, the snapshot (``identity.auth_backends``: non-secret columns, session hash, permissions) is
written beside the session, so the next API request costs **one cache read** for both, and one
decryption. A per-user index of the session keys holding a snapshot lets a change to the user
(password, roles, deactivation) drop every one of them; a snapshot also carries its own expiry, so a
race with such a change cannot outlive ``USER_CACHE_SECONDS``.
"""

import contextlib
import contextvars
import functools
import logging

from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.core import signing
from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core import redis_held
from identity import crypto, prefetch

logger = logging.getLogger("qilu.identity")

CACHE_PREFIX = "session.enc."
DECODED_KEPT = 512  # sessions whose last decoded entry a process keeps (~2 KiB each)
_DECODED: dict[str, tuple[bytes, tuple, bytes]] = {}  # cache key → (the entry's bytes, the entry, the session serialised)
current: contextvars.ContextVar["SessionStore | None"] = contextvars.ContextVar("qilu_auth_session", default=None)


def _redis_client():
    """django-redis's client when the cache is Redis (its raw ``GET`` and its own decoding), else None."""
    client = getattr(cache, "client", None)
    return client if hasattr(client, "get_client") and hasattr(client, "decode") else None


def user_sessions_key(user_id) -> str:
    return f"session.user.{user_id}"


def who_key(session_key: str) -> str:
    """The companion of a session's entry: ``<user id>:<person index>`` in clear, while the entry holds
    that user's snapshot (``identity.prefetch``): what a hot route's keys are named by."""
    return f"session.who.{session_key}"


def _who(taken: tuple | None) -> bytes | None:
    """The companion's value for a user snapshot (``identity.auth_backends.snapshot``), or None."""
    if not taken:
        return None
    pk, names, values = taken[:3]
    index = values[names.index("id_number_index")] if "id_number_index" in names else None
    return f"{pk}:{index}".encode() if index else None


@functools.cache
def _fold_script(client):
    return client.register_script(prefetch.SCRIPT)


@contextlib.contextmanager
def authenticating(session):
    """While a request's user is found: the backend takes the snapshot from this session's entry."""
    token = current.set(session)
    try:
        yield
    finally:
        current.reset(token)


def forget_users(user_ids) -> None:
    """Drop the snapshots of these users from every session that holds one (the sessions stay)."""
    for user_id in user_ids:  # the next request of each session reads it from the database again
        keys = cache.get(user_sessions_key(user_id)) or []
        cache.delete_many([CACHE_PREFIX + key for key in keys] + [who_key(key) for key in keys] + [user_sessions_key(user_id)])


class SessionStore(DbSessionStore):
    user_snapshot = None
    prefetched: prefetch.Read | None = None  # what the entry's round trip brought beside it (identity.prefetch)

    def __init__(self, session_key=None, *, want: prefetch.Want | None = None):
        super().__init__(session_key)
        self.want = want  # keys to read in the same round trip as the entry

    def encode(self, session_dict):
        plain = signing.dumps(session_dict, salt=self.key_salt, serializer=self.serializer, compress=True)
        return crypto.encrypt(plain, context="django.session").hex()

    def decode(self, session_data):
        try:
            plain = crypto.decrypt(bytes.fromhex(session_data), context="django.session")
            return signing.loads(plain, salt=self.key_salt, serializer=self.serializer)
        except Exception:  # noqa: BLE001 — tampered, truncated or from an old key: an empty session, like Django does
            return {}

    def load(self):
        if self.session_key:
            data = self._load_cached(CACHE_PREFIX + self.session_key)
            if data is not None:
                return data
        stored = self._get_session_from_db()
        if stored is None:
            self._session_key = None
            return {}
        self._cache(stored.session_key, stored.session_data, stored.expire_date.timestamp())
        return self.decode(stored.session_data)

    def _load_cached(self, key: str) -> dict | None:
        """The session from its cache entry (``None``: not there). The entry comes back as the bytes
        Redis keeps; when they are the bytes this process last decoded for this session, the work is
        not done again (``_DECODED``): same bytes, same session and snapshot, so a revoked or changed
        session (its entry deleted or rewritten) is never served from here."""
        client = _redis_client()
        if client is None:  # not django-redis (a local-memory cache): the plain read
            entry = cache.get(key)
            if not isinstance(entry, tuple):
                return None
            self._encoded, self._expires, self.user_snapshot = entry
            return self.decode(self._encoded)
        try:
            redis = client.get_client(write=False)
            raw = self._read_folded(redis, client, key) if self.want is not None else redis_held.send(redis, [("GET", cache.make_key(key))])[0]
        except (RedisConnectionError, RedisTimeoutError, OSError):  # IGNORE_EXCEPTIONS, as cache.get: the database answers
            return None
        if raw is None:
            return None
        known = _DECODED.get(key)
        if known is not None and known[0] == raw:
            self._encoded, self._expires, self.user_snapshot = known[1]
            return self.serializer().loads(known[2])
        entry = client.decode(raw)
        if not isinstance(entry, tuple):
            return None
        self._encoded, self._expires, self.user_snapshot = entry
        data = self.decode(self._encoded)
        if data:
            if len(_DECODED) >= DECODED_KEPT:
                _DECODED.pop(next(iter(_DECODED)))
            _DECODED[key] = (raw, entry, self.serializer().dumps(data))
        return data

    def _read_folded(self, redis, client, key: str) -> bytes | None:
        """The entry's raw bytes, and — in the same server-side step — its companion and the keys
        ``want`` names (``identity.prefetch``), kept in ``prefetched`` for the request to take: the script
        on the held connection (``core.redis_held``)."""
        keys = [client.make_key(key), client.make_key(who_key(self.session_key)), *self.want.keys]
        args = [part for pair in self.want.templates() for part in pair]
        try:
            [found] = redis_held.run_script(redis, _fold_script(redis), keys, args)
        except (RedisConnectionError, RedisTimeoutError, OSError):
            raise
        except RedisError as exc:  # the script refused (a replica that will not run it, a Redis without Lua): read as before
            logger.warning("session read not folded (%s): the plain read", type(exc).__name__)
            return redis_held.send(redis, [("GET", keys[0])])[0]
        self.prefetched = prefetch.split(self.want, found[1:])
        return found[0]

    def _cache(self, key: str, encoded: str, expires: float, taken: tuple | None = None) -> None:
        """Write the entry, and with it (one MULTI) its companion — set while the entry holds a user's
        snapshot, deleted while it holds none: the two are written and deleted together."""
        self._encoded, self._expires, self.user_snapshot = encoded, expires, taken
        seconds = max(1, int(expires - timezone.now().timestamp()))
        client = _redis_client()
        if client is None:  # a local-memory cache: nothing reads the companion (no script)
            cache.set(CACHE_PREFIX + key, (encoded, expires, taken), seconds)
            return
        who = _who(taken)
        try:
            pipe = client.get_client(write=True).pipeline(transaction=True)
            pipe.set(cache.make_key(CACHE_PREFIX + key), client.encode((encoded, expires, taken)), ex=seconds)
            if who is None:
                pipe.delete(cache.make_key(who_key(key)))
            else:
                pipe.set(cache.make_key(who_key(key)), who, ex=seconds)
            pipe.execute()
        except (RedisConnectionError, RedisTimeoutError, OSError):  # IGNORE_EXCEPTIONS, as cache.set: the database stays the truth
            pass

    def attach_user(self, taken: tuple) -> None:
        """Write the user's snapshot beside this session in its cache entry (see the module's note)."""
        encoded, expires = getattr(self, "_encoded", None), getattr(self, "_expires", None)
        if not self.session_key or encoded is None or expires is None or self.modified:
            return
        index = user_sessions_key(taken[0])
        keys = cache.get(index) or []
        if self.session_key not in keys:
            cache.set(index, [*keys[-49:], self.session_key], max(1, int(expires - timezone.now().timestamp())))
        self._cache(self.session_key, encoded, expires, taken)

    def exists(self, session_key):
        return bool(session_key) and (cache.get(CACHE_PREFIX + session_key) is not None or super().exists(session_key))

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        self._encoded = instance.session_data
        return instance

    def save(self, must_create=False):
        super().save(must_create=must_create)
        if self.session_key and getattr(self, "_encoded", None) is not None:
            self._cache(self.session_key, self._encoded, self.get_expiry_date().timestamp())

    def delete(self, session_key=None):
        key = session_key or self.session_key
        if key:
            cache.delete_many([CACHE_PREFIX + key, who_key(key)])
        super().delete(session_key)



def session_user(request):
    """Django's ``get_user`` for a cookie session, taking the user snapshot from the session's entry."""
    from django.contrib.auth import get_user

    with authenticating(request.session):
        return get_user(request)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's ``AuthenticationMiddleware`` for the portal, with the same one-read session + user as
    the API's token authentication (``portal/authentication.py``)."""

    def process_request(self, request):
        super().process_request(request)  # its checks and request.auser
        request.user = SimpleLazyObject(lambda: session_user(request))


def device_label(user_agent: str) -> str:
    """A session's device in words for 登录设备 — "iPhone · Safari", "Windows · Chrome" — from the
    user-agent string (ua-parser, the uap-core rules); never the raw string."""
    from django.utils.translation import gettext as _
    from ua_parser import parse

    result = parse((user_agent or "")[:500])
    device = result.device.family if result.device and result.device.family not in ("Other", "Generic Smartphone", "Spider") else ""
    system = result.os.family if result.os and result.os.family != "Other" else ""
    if device in ("iPhone", "iPad") or device.startswith("Mac"):
        system = ""  # "iPhone · Safari": the device already says iOS
    elif device == "K":  # Android's reduced user-agent names the model "K"
        device = ""
    browser = (result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else "")
    browser = browser.replace("Mobile Safari", "Safari").replace("Chrome Mobile", "Chrome").replace("HeadlessChrome", "Chrome")
    words = [part for part in (device or system, browser) if part]
    return " · ".join(words) if words else _("未知设备")
