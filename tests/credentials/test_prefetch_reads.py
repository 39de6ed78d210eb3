"""亮证 and a clerk's scan take their first Redis read from the session's round trip
(``identity.prefetch``, issue 25): 亮证 its held copy, mirror and watched stamps (no ``MGET``), the scan
what the code showed (no ``GET``); each then makes its one script call. Without the companion, or with
one naming someone else, 亮证 reads its copy itself; a code whose signature fails is refused whatever
was read for it."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from identity import sessions
from tests.factories import UserFactory, app_session_token
from tests.redis_round_trips import counted

VERIFY = "/api/v1/verifications/"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.QILU_PUBLIC_URL = "https://qilu.example.gov.cn"  # as production: no served-origin read, only the path's own


@pytest.fixture
def holder(citizen, password, licence, redis_journal):
    token = app_session_token(citizen, password)
    client = APIClient()
    client.credentials(HTTP_X_SESSION_TOKEN=token)
    for _ in range(2):  # the snapshot attached with its companion, the copy kept, the scripts loaded
        show(client, licence)
    return client, token


def show(client, licence):
    answer = client.post(f"/api/v1/wallet/{licence.identifier}/presentations/", {"disclose": ["licence_class"]}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()["payload"]


def test_showing_reads_what_i_hold_with_my_session(holder, licence):
    client, _token = holder
    with counted() as trips:
        show(client, licence)
    assert trips == ["EVALSHA", "EVALSHA"]  # the session with my copy; the quota, record and kept code


def test_without_the_companion_showing_reads_the_copy_itself(holder, licence):
    client, token = holder
    cache.delete(sessions.who_key(token))
    with counted() as trips:
        show(client, licence)
    assert trips == ["EVALSHA", "MGET", "EVALSHA"]


def test_a_companion_naming_someone_else_is_not_taken_for_my_copy(holder, licence, citizen):
    client, token = holder
    other = UserFactory(name="王五")
    cache.client.get_client(write=True).set(cache.make_key(sessions.who_key(token)), f"{other.pk}:{other.id_number_index}", ex=600)
    with counted() as trips:
        show(client, licence)
    assert trips == ["EVALSHA", "MGET", "EVALSHA"]


def test_a_scan_reads_what_the_code_showed_with_the_clerks_session(holder, licence, clerk_api):
    client, _token = holder
    clerk_api.get("/api/v1/me/")  # the clerk's snapshot attached
    clerk_api.post(VERIFY, {"payload": show(client, licence)}, format="json")  # the scripts loaded
    payload = show(client, licence)
    with counted() as trips:
        verdict = clerk_api.post(VERIFY, {"payload": payload}, format="json").json()
    assert verdict["valid"] and [row["key"] for row in verdict["fields"]] == ["licence_number", "licence_class"]  # the number always, masked
    assert trips == ["EVALSHA", "EVALSHA"]  # the session with the kept code; the claim and record
    again = clerk_api.post(VERIFY, {"payload": payload}, format="json").json()
    assert (again["valid"], again["reason"]) == (False, "already_used")


def test_a_code_that_is_not_one_reads_nothing_first(holder, clerk_api):
    clerk_api.get("/api/v1/me/")
    with counted() as trips:
        verdict = clerk_api.post(VERIFY, {"payload": "not a code"}, format="json").json()
    assert (verdict["valid"], verdict["reason"]) == (False, "malformed") and trips == ["GET", "XADD"]  # the session alone; the refusal's record


def test_a_forged_code_is_refused_whatever_was_read_for_it(holder, licence, clerk_api):
    client, _token = holder
    clerk_api.get("/api/v1/me/")
    payload = show(client, licence)
    forged = payload[:-4] + ("0000" if not payload.endswith("0000") else "1111")
    verdict = clerk_api.post(VERIFY, {"payload": forged}, format="json").json()
    assert verdict["valid"] is False and verdict["reason"] in ("bad_signature", "malformed")
    assert clerk_api.post(VERIFY, {"payload": payload}, format="json").json()["valid"]  # the real code still scans once
