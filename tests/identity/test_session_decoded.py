"""A signed-in API request does not decrypt and unsign its session again when the cache entry is the
one this process last decoded, and takes its user from the snapshot beside it; any change of the
entry (sign-out, a rewritten session, a changed user) is seen on the very next request."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.core.cache import cache
from django.test import Client

from identity import auth_backends, sessions
from tests.factories import app_session_token


@pytest.fixture(autouse=True)
def _signing_key(db):
    from tests.factories import fresh_signing_key

    fresh_signing_key()


@pytest.fixture
def decrypted(monkeypatch):
    """How many session entries were decrypted and unsigned."""
    calls = []
    real = sessions.SessionStore.decode
    monkeypatch.setattr(sessions.SessionStore, "decode", lambda self, data: calls.append(1) or real(self, data))
    return calls


def me(token):
    return Client().get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token)


def test_a_warm_request_decrypts_nothing_and_a_rewritten_session_is_decoded_again(citizen, password, decrypted):
    token = app_session_token(citizen, password)
    assert me(token).status_code == 200 and me(token).status_code == 200  # the second: the snapshot joins the entry
    decrypted.clear()
    assert me(token).status_code == 200 and me(token).json()["name"] == citizen.name
    assert decrypted == []
    session = sessions.SessionStore(session_key=token)
    session["noted"] = "a change"
    session.save()
    decrypted.clear()
    assert me(token).status_code == 200 and decrypted == [1]
    assert sessions.SessionStore(session_key=token)["noted"] == "a change"


def test_a_signed_out_session_is_refused_at_once(citizen, password):
    token = app_session_token(citizen, password)
    assert me(token).status_code == 200 and me(token).status_code == 200
    sessions.SessionStore(session_key=token).delete()
    assert me(token).status_code == 401


def test_a_session_changed_in_place_by_one_request_is_not_changed_for_the_next(citizen, password):
    token = app_session_token(citizen, password)
    me(token)
    first = sessions.SessionStore(session_key=token)
    methods = first["account_authentication_methods"]
    methods.append({"method": "not saved"})  # mutated in place, never saved
    again = sessions.SessionStore(session_key=token)
    assert {"method": "not saved"} not in again["account_authentication_methods"]


def test_a_snapshot_whose_session_hash_differs_is_refused_and_the_session_ended(citizen, password):
    token = app_session_token(citizen, password)
    assert me(token).status_code == 200 and me(token).status_code == 200
    key = sessions.CACHE_PREFIX + token
    encoded, expires, taken = cache.get(key)
    cache.set(key, (encoded, expires, (*taken[:3], "another hash", *taken[4:])), 600)  # as if the password changed elsewhere
    assert me(token).status_code == 401
    assert me(token).status_code == 401  # flushed: gone for good
    assert not sessions.SessionStore().exists(token)


def test_the_snapshot_shortcut_is_taken_only_when_get_user_would_accept_it(citizen, password, monkeypatch):
    token = app_session_token(citizen, password)
    me(token)
    session = sessions.SessionStore(session_key=token)
    session.get("_auth_user_id")
    assert session.user_snapshot is not None
    user = auth_backends.snapshot_user(session)
    assert user.pk == citizen.pk and user.get_session_auth_hash() == session[HASH_SESSION_KEY]
    session._session_cache = {**session._session, HASH_SESSION_KEY: "x"}
    assert auth_backends.snapshot_user(session) is None
    session._session_cache = {**session._session, HASH_SESSION_KEY: user.get_session_auth_hash(), "_auth_user_id": str(citizen.pk + 1)}
    assert auth_backends.snapshot_user(session) is None
