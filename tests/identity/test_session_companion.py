"""The companion of a session's cache entry (``identity.sessions.who_key``): ``<user id>:<person index>``
in clear, written and deleted with the entry's user snapshot by every writer — create, attach, save,
delete, forgetting a user, sign-out, ending other devices, a password reset — and living as long as the
entry. And ``identity.prefetch``'s own rules: a person's value is offered only when the companion names
the user the session resolved to, once, and never past the end of its request."""

import json

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.test import Client

from identity import prefetch, sessions
from tests.factories import APP, app_session_token


@pytest.fixture(autouse=True)
def _signing_key(db):
    from tests.factories import fresh_signing_key

    fresh_signing_key()


def raw():
    return cache.client.get_client(write=True)


def companion(token):
    return raw().get(cache.make_key(sessions.who_key(token)))


def entry_exists(token):
    return raw().exists(cache.make_key(sessions.CACHE_PREFIX + token)) == 1


def me(token):
    return Client().get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token)


def warm(user, password):
    """A signed-in app session whose entry holds the user's snapshot (its first request attaches it)."""
    token = app_session_token(user, password)
    assert me(token).status_code == 200
    return token


def test_a_created_session_has_no_companion_until_its_user_is_attached(citizen, password):
    store = sessions.SessionStore()
    store.create()
    assert entry_exists(store.session_key) and companion(store.session_key) is None
    token = app_session_token(citizen, password)
    assert companion(token) is None  # signed in: the entry holds no snapshot yet
    assert me(token).status_code == 200
    assert companion(token) == f"{citizen.pk}:{citizen.id_number_index}".encode()


def test_the_companion_lives_as_long_as_the_entry(citizen, password):
    token = warm(citizen, password)
    entry_ttl, companion_ttl = raw().ttl(cache.make_key(sessions.CACHE_PREFIX + token)), raw().ttl(cache.make_key(sessions.who_key(token)))
    assert companion_ttl > 0 and abs(entry_ttl - companion_ttl) <= 1


def test_saving_the_session_drops_the_companion_with_the_snapshot(citizen, password):
    token = warm(citizen, password)
    store = sessions.SessionStore(session_key=token)
    store["noted"] = "a change"
    store.save()
    assert entry_exists(token) and companion(token) is None
    assert me(token).status_code == 200 and companion(token) is not None  # attached again by the next request


def test_deleting_the_session_deletes_its_companion(citizen, password):
    token = warm(citizen, password)
    sessions.SessionStore(session_key=token).delete()
    assert not entry_exists(token) and companion(token) is None
    assert me(token).status_code == 401


def test_a_change_to_the_user_forgets_the_companion_with_the_entry(citizen, password):
    token = warm(citizen, password)
    citizen.name = "张三丰"
    citizen.save()  # identity.receivers → sessions.forget_users
    assert not entry_exists(token) and companion(token) is None


def test_signing_out_deletes_the_companion(citizen, password):
    token = warm(citizen, password)
    assert Client().delete(APP + "/auth/session", HTTP_X_SESSION_TOKEN=token).status_code == 401  # allauth: signed out
    assert companion(token) is None and me(token).status_code == 401


def test_ending_my_other_devices_deletes_their_companions(citizen, password):
    phone, tablet = warm(citizen, password), warm(citizen, password)
    listed = Client().get(APP + "/auth/sessions", HTTP_X_SESSION_TOKEN=phone).json()["data"]
    others = [item["id"] for item in listed if not item["is_current"]]
    answer = Client().delete(APP + "/auth/sessions", json.dumps({"sessions": others}), content_type="application/json", HTTP_X_SESSION_TOKEN=phone)
    assert answer.status_code == 200
    assert companion(tablet) is None and me(tablet).status_code == 401
    assert companion(phone) is not None


def test_a_revoked_session_loses_its_companion(citizen, password):
    """Revocation as allauth's user sessions end it (the admin, and a password reset's ``sessions_end_all``)."""
    first, second = warm(citizen, password), warm(citizen, password)
    for tracked in UserSession.objects.filter(user=citizen):
        tracked.end()
    assert (companion(first), companion(second)) == (None, None)
    assert me(first).status_code == 401


def read(who, person=None):
    return prefetch.Read(who=who, values={"fixed": b"f"}, person=person if person is not None else {prefetch.cache_key("hs:abc"): b"mine"})


class Someone:
    def __init__(self, pk, index):
        self.pk, self.id_number_index = pk, index


def test_a_persons_value_is_offered_only_to_the_user_the_companion_names():
    prefetch.offer(read(b"7:abc"), Someone(8, "abc"))
    assert prefetch.take(prefetch.cache_key("hs:abc")) == (False, None)
    assert prefetch.take("fixed") == (True, b"f")  # a key named up front is not the person's
    prefetch.offer(read(b"7:abc"), Someone(7, "abd"))
    assert prefetch.take(prefetch.cache_key("hs:abc")) == (False, None)
    prefetch.offer(read(b"7:abc"), Someone(7, "abc"))
    assert prefetch.take(prefetch.cache_key("hs:abc")) == (True, b"mine")
    assert prefetch.take(prefetch.cache_key("hs:abc")) == (False, None)  # once


def test_an_offer_ends_with_its_request(citizen, password):
    prefetch.offer(read(b"7:abc"), Someone(7, "abc"))
    me(warm(citizen, password))  # another request began and ended
    assert prefetch.take("fixed") == (False, None)
