"""The cached user behind every session-token request: no secrets in the cache, and any change to the
user (password, deactivation, roles) takes effect on the very next request."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import redis_held
from identity.auth_backends import user_cache_key
from tests.factories import app_session_token, totp_for

APP = "/_allauth/app/v1"


def token_for(user, password, *, second_factor=False):
    """A session token; with ``second_factor``, the account gets an authenticator app and signs in
    with its code too, as staff who verify credentials must (identity.second_factor)."""
    return app_session_token(user, password, totp_for(user) if second_factor else None)


def redis_reads(monkeypatch) -> list:
    """The keys each later Redis GET or MGET reads (through the cache, straight from its client or on a held connection)."""
    reads = []
    real = cache.client.get_client

    class Counted:
        def __init__(self, client):
            self.client = client

        def get(self, key, *args, **kwargs):
            reads.append(str(key).split(":", 2)[-1])
            return self.client.get(key, *args, **kwargs)

        def mget(self, keys, *args, **kwargs):
            reads.extend(str(key).split(":", 2)[-1] for key in keys)
            return self.client.mget(keys, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.client, name)

    monkeypatch.setattr(cache.client, "get_client", lambda *a, **k: Counted(real(*a, **k)))
    real_held = redis_held.send

    def held(client, commands):  # the session's read, on a held connection (core.redis_held)
        for command in commands:
            if command[0] in ("GET", "MGET"):
                reads.extend(str(key).split(":", 2)[-1] for key in command[1:])
        return real_held(client, commands)

    monkeypatch.setattr(redis_held, "send", held)
    return reads


def me(token):
    return Client().get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token)


def test_the_cached_copy_holds_no_numbers_and_no_password_hash(citizen, password):
    token = token_for(citizen, password)
    assert me(token).status_code == 200
    pk, names, values, session_hash, perms, _until = cache.get(user_cache_key(citizen.pk))
    assert pk == citizen.pk and "credentials.view_credential" not in perms
    assert not {"id_number", "phone", "password"} & set(names)
    flat = json.dumps([str(v) for v in values])
    assert citizen.id_number not in flat and "13800000101" not in flat and citizen.password not in flat
    assert session_hash == citizen.get_session_auth_hash()


def test_a_warm_request_costs_one_cache_read_and_no_query_for_session_user_or_roles(citizen, password, monkeypatch):
    from django.contrib.auth.models import Group

    citizen.groups.add(Group.objects.get(name="clerk"))
    token = token_for(citizen, password, second_factor=True)
    client = Client()
    assert client.get("/api/v1/me/notices/", HTTP_X_SESSION_TOKEN=token).status_code == 200  # the snapshot joins the session's entry
    reads = redis_reads(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/me/notices/", HTTP_X_SESSION_TOKEN=token).status_code == 200
        assert client.post("/api/v1/verifications/", json.dumps({"payload": "x"}), content_type="application/json",
                           HTTP_X_SESSION_TOKEN=token).status_code == 200  # has_perm answered from the snapshot
    assert [key for key in reads if key.startswith(("session.", "user."))] == [f"session.enc.{token}"] * 2, reads  # one per request
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "identity_user" not in tables.split("FROM")[0] and "auth_permission" not in tables and "django_session" not in tables


def test_a_roles_permissions_change_applies_to_its_members_next_request(citizen, password):
    from django.contrib.auth.models import Group, Permission

    clerks = Group.objects.get(name="clerk")
    citizen.groups.add(clerks)
    token = token_for(citizen, password, second_factor=True)
    verify = Client()
    post = lambda: verify.post("/api/v1/verifications/", json.dumps({"payload": "x"}), content_type="application/json",  # noqa: E731
                               HTTP_X_SESSION_TOKEN=token).status_code
    assert post() == 200 and post() == 200
    clerks.permissions.remove(Permission.objects.get(codename="verify_credential"))
    assert post() == 403


def test_a_warm_request_reads_no_user_row(citizen, password):
    token = token_for(citizen, password)
    inbox = Client()
    inbox.get("/api/v1/me/notices/", HTTP_X_SESSION_TOKEN=token)
    with CaptureQueriesContext(connection) as queries:
        assert inbox.get("/api/v1/me/notices/", HTTP_X_SESSION_TOKEN=token).status_code == 200
    assert [q["sql"] for q in queries.captured_queries if 'FROM "identity_user"' in q["sql"]] == []
    assert [q["sql"] for q in queries.captured_queries if 'FROM "django_session"' in q["sql"]] == []
    assert me(token).json()["id_number"] == citizen.masked_id_number  # deferred numbers still load when needed


def test_password_change_ends_old_sessions_at_once(citizen, password):
    token = token_for(citizen, password)
    assert me(token).status_code == 200
    citizen.set_password("A-new-password-2026")
    citizen.save()
    assert me(token).status_code == 401


def test_deactivation_and_role_changes_apply_to_the_next_request(citizen, password):
    from django.contrib.auth.models import Group

    token = token_for(citizen, password, second_factor=True)
    verify = Client()
    assert verify.post("/api/v1/verifications/", {"payload": "x"}, HTTP_X_SESSION_TOKEN=token).status_code == 403
    citizen.groups.add(Group.objects.get(name="clerk"))
    assert verify.post("/api/v1/verifications/", json.dumps({"payload": "x"}), content_type="application/json",
                       HTTP_X_SESSION_TOKEN=token).status_code == 200
    Group.objects.get(name="clerk").user_set.remove(citizen)
    assert verify.post("/api/v1/verifications/", {"payload": "x"}, HTTP_X_SESSION_TOKEN=token).status_code == 403
    citizen.is_active = False
    citizen.save()
    assert me(token).status_code == 401


@pytest.fixture(autouse=True)
def _signing_key(db):
    from tests.factories import fresh_signing_key

    fresh_signing_key()


def test_a_portal_page_also_reads_session_and_user_in_one_cache_read(citizen, password, monkeypatch):
    browser = Client()
    browser.force_login(citizen)
    assert browser.get("/account/").status_code in (200, 302)
    assert browser.get("/api/v1/me/notices/").status_code == 200  # the snapshot joins the session's entry
    reads = redis_reads(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/api/v1/me/notices/").status_code == 200
    key = browser.cookies["sessionid"].value
    assert [k for k in reads if k.startswith(("session.", "user."))] == [f"session.enc.{key}"], reads
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "auth_permission" not in tables and "django_session" not in tables


def test_a_kept_snapshot_gives_each_request_a_user_of_its_own(citizen):
    from identity import auth_backends

    taken = auth_backends.snapshot(citizen)
    first = auth_backends.from_snapshot(taken, kept_entry=True)
    first.name, first.elder_mode = "别人", not citizen.elder_mode
    first._perm_cache.add("identity.anything")
    second = auth_backends.from_snapshot(taken, kept_entry=True)  # built once for this snapshot, copied per request
    assert second is not first and second._state is not first._state and not second._state.adding and second._state.db == "default"
    assert second.name == citizen.name and second.elder_mode == citizen.elder_mode and "identity.anything" not in second._perm_cache
    assert second.get_deferred_fields() >= {"id_number", "phone", "password"}
    assert second.id_number == citizen.id_number  # a deferred number still loads when needed
    assert second.get_session_auth_hash() == citizen.get_session_auth_hash()
    changed = auth_backends.snapshot(citizen)  # a new entry: a new snapshot object, built afresh
    citizen.name = "改了名"
    assert auth_backends.from_snapshot(auth_backends.snapshot(citizen), kept_entry=True).name == "改了名"
    assert auth_backends.from_snapshot(changed, kept_entry=True).name != "改了名"


@pytest.mark.parametrize("kind", ["clerk", "citizen", "superuser", "inactive clerk"])
def test_a_signed_in_users_permissions_answer_as_djangos_backends_do(kind):
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import _user_has_perm

    from identity import auth_backends
    from tests.factories import UserFactory

    # the user's own cache answers only while our backend answers from it as any ModelBackend does
    assert auth_backends.IdentityBackend.has_perm is ModelBackend.has_perm
    assert auth_backends.IdentityBackend.get_all_permissions is ModelBackend.get_all_permissions
    user = UserFactory(roles=[] if kind == "citizen" else ["clerk"], is_superuser=kind == "superuser", is_active=kind != "inactive clerk")
    signed_in = auth_backends.from_snapshot(auth_backends.snapshot(user), kept_entry=True)
    asked = ["credentials.verify_credential", "credentials.add_credential", "healthcode.check_pass", "nobody.has_this"]
    for perm in asked:
        assert signed_in.has_perm(perm) == (signed_in.is_active and signed_in.is_superuser or _user_has_perm(signed_in, perm, None)), (kind, perm)
        assert signed_in.has_perm(perm, obj=user) == (signed_in.is_active and signed_in.is_superuser), (kind, perm)  # no object permissions
    assert any(signed_in.has_perm(perm) for perm in asked) == (kind != "inactive clerk" and kind != "citizen")


def test_a_signed_in_users_permission_loads_no_backend(monkeypatch):
    from django.contrib import auth

    from identity import auth_backends
    from tests.factories import UserFactory

    signed_in = auth_backends.from_snapshot(auth_backends.snapshot(UserFactory(roles=["clerk"])), kept_entry=True)
    monkeypatch.setattr(auth, "get_backends", lambda: pytest.fail("the backends were loaded"))
    assert signed_in.has_perm(next(iter(signed_in._perm_cache))) and not signed_in.has_perm("nobody.has_this")
