"""The sign-in backend: resident ID number + password (Django's ModelBackend through the manager's
blind-index natural key) or verified phone number + password (the phone's blind index). Phone + one-time
code signs in through allauth's login flow.

``get_user`` — run on every authenticated request — never queries the database when it can help it.
A *snapshot* of the user holds their non-secret columns (never the encrypted ID or phone number,
never the password hash: only the session hash derived from it) and their permissions, so
``has_perm`` needs no query either. The ID and phone numbers are deferred fields: code that needs
them loads them from the database. For an API request the snapshot rides in the session's own cache
entry (``identity.sessions``), so the session and the user cost one cache read together; otherwise
it is read from the user's own cache key. Any save of a user, or a change of their groups or of a
group's permissions, drops both (signals in ``identity.receivers``).
"""

import time

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from identity.models import OWN_BACKEND  # importable here: ModelBackend, above, needs the user model loaded

USER_CACHE_SECONDS = 300
_SECRET_COLUMNS = {"id_number", "phone", "password"}


def user_cache_key(pk) -> str:
    return f"user.v2.{pk}"


def snapshot(user) -> tuple:
    """(pk, columns, values, session hash, permissions, good until): what a request needs of a user."""
    names = [f.attname for f in type(user)._meta.concrete_fields if f.attname not in _SECRET_COLUMNS]
    return (user.pk, names, [getattr(user, name) for name in names], user.get_session_auth_hash(), sorted(user.get_all_permissions()),
            time.time() + USER_CACHE_SECONDS)


BUILT_KEPT = 512  # snapshots a process keeps a user built from (as identity.sessions keeps sessions decoded)
_BUILT: dict[int, tuple] = {}  # id(snapshot) → (the snapshot, a user built from it): never handed out, only copied


def from_snapshot(taken: tuple, *, kept_entry: bool = False):
    """A request's own user from a snapshot. With ``kept_entry`` the snapshot is the one a session entry
    holds, and the same entry read again gives the same snapshot object (``identity.sessions`` keeps what
    it decoded for those bytes), so the model instance is built once per snapshot and process
    (``Model.from_db``: its fields one by one) and each request gets a copy of its ``__dict__`` — every
    column value immutable (str, int, bool, datetime, None) — with a state and a permission set of its
    own: assigning to it or to its permissions never reaches another request."""
    from django.db.models.base import ModelState

    if not kept_entry:  # a snapshot read from the user's own key: a new object each time
        user = _built(taken)
        user._perm_cache = set(taken[4])
        return user
    kept = _BUILT.get(id(taken))
    if kept is None or kept[0] is not taken:  # the snapshot held alive by the entry: its id is not reused meanwhile
        kept = (taken, _built(taken))
        if len(_BUILT) >= BUILT_KEPT:
            _BUILT.pop(next(iter(_BUILT)))
        _BUILT[id(taken)] = kept
    built = kept[1]
    user = built.__class__.__new__(built.__class__)
    user.__dict__.update(built.__dict__)
    user._state = ModelState()
    user._state.db, user._state.adding = built._state.db, False
    user._perm_cache = set(taken[4])  # ModelBackend's own cache: has_perm answers from it
    return user


def _built(taken: tuple):
    from identity.models import User

    _pk, names, values, session_hash, _perms, _until = taken
    user = User.from_db("default", names, values)
    user.__dict__["_session_auth_hash"] = session_hash
    return user


def fresh(taken, user_id) -> bool:
    return bool(taken) and str(taken[0]) == str(user_id) and taken[5] > time.time()


def snapshot_user(session):
    """The session's user from the snapshot in its cache entry, when Django's ``get_user`` would take
    it as it is (our backend, the snapshot of this user and still fresh, an active user, the session
    hash the current one); else ``None``, and the caller asks ``get_user`` (which also handles a
    rotated secret, a stale or missing snapshot and a session to flush). The API's hot path: no
    request object built, no backend loaded, no second lookup."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import constant_time_compare

    taken = session.user_snapshot
    data = session._session
    session_hash = data.get(HASH_SESSION_KEY)
    if (taken is None or data.get(BACKEND_SESSION_KEY) != BACKEND or BACKEND not in settings.AUTHENTICATION_BACKENDS
            or not fresh(taken, data.get(SESSION_KEY)) or not session_hash or not constant_time_compare(session_hash, taken[3])):
        return None
    user = from_snapshot(taken, kept_entry=True)
    return user if user.is_active else None  # ModelBackend.user_can_authenticate


BACKEND = OWN_BACKEND  # this module's backend, as a session records it (one owner: identity.models)


class IdentityBackend(ModelBackend):
    """Password sign-in by ID number or by verified phone number; phone sign-in by code is allauth's.

    allauth's form passes a typed phone number both as ``phone`` and as ``username`` (an ID number
    is tried first). A phone signs in with the password only once verified: an unverified number
    may be someone else's, typed at sign-up."""

    def authenticate(self, request, username=None, password=None, phone=None, **kwargs):
        if password is None:
            return None  # a one-time code signs in through allauth's login flow, not a backend
        user = super().authenticate(request, username=username, password=password, **kwargs) if username is not None else None
        if user is None and phone is not None:
            user = self._authenticate_by_phone(phone, password)
        return user

    def _authenticate_by_phone(self, phone: str, password: str):
        from allauth.account.adapter import get_adapter
        from django.contrib.auth import get_user_model

        user = get_adapter().get_user_by_phone(phone)
        if user is None or not user.phone_verified:
            get_user_model()().set_password(password)  # as long as a real check: no enumeration by timing
            return None
        return user if user.check_password(password) and self.user_can_authenticate(user) else None

    def get_user(self, user_id):
        from identity import sessions

        session = sessions.current.get()
        if session is not None and fresh(session.user_snapshot, user_id):
            user = from_snapshot(session.user_snapshot)
            return user if self.user_can_authenticate(user) else None
        taken = cache.get(user_cache_key(user_id))
        if not fresh(taken, user_id):
            user = super().get_user(user_id)
            if user is None:
                return None
            taken = snapshot(user)
            cache.set(user_cache_key(user_id), taken, USER_CACHE_SECONDS)
        if session is not None:
            session.attach_user(taken)
        user = from_snapshot(taken)
        return user if self.user_can_authenticate(user) else None
