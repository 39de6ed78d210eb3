"""A clerk's verification through the check journal on a real Redis: answered from Redis with no
database read or write, one-time use decided in Redis before anything is written, the photo served at
once, and the verification, audit event, notice and used mark written by the consumer."""

import base64
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from core import journal
from credentials.models import Presentation, Verification
from credentials.services import clean_photo
from identity.models import AuditEvent, Notice
from tests.factories import UserFactory, api_as

VERIFY = "/api/v1/verifications/"


def _present(api, credential, disclose=()):
    return api.post(f"/api/v1/wallet/{credential.identifier}/presentations/", {"disclose": list(disclose)}, format="json").json()["payload"]


def _with_photo(licence):
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 180, 160)).save(out, "JPEG")
    licence.photo = clean_photo(base64.b64encode(out.getvalue()).decode())
    licence.save()


def test_a_verification_answers_from_redis_and_the_consumer_writes_everything(redis_journal, citizen_api, clerk_api, licence, citizen, clerk):
    _with_photo(licence)
    licence.type.name_en = "Driving licence"  # the notice is written in Chinese by the consumer and read in the holder's language
    licence.type.save(update_fields=["name_en"])
    redis_journal.delete(*redis_journal.keys("qilu:credential-changed:*"))  # the photo was added long ago (the mark outlives any code, no more)
    token = _present(citizen_api, licence, disclose=["photo", "licence_class"])
    clerk_api.get("/api/v1/me/")  # a warm session: its user snapshot cached beside it (tests/identity/test_user_cache.py)
    with CaptureQueriesContext(connection) as queries:
        verdict = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert verdict["valid"] and [row["key"] for row in verdict["fields"]] == ["licence_number", "licence_class"]  # the card's order; the number masked
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert statements == []  # what the code showed, from Redis (credentials.shown)
    assert not Verification.objects.exists() and not Presentation.objects.exists()  # the shown code's row too waits in the journal

    again = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert (again["valid"], again["reason"]) == (False, "already_used")  # decided in Redis, before any row exists

    photo = clerk_api.get(verdict["photo_url"])  # the console asks at once, before the consumer ran
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    other = api_as(UserFactory(roles=["clerk"]))
    assert other.get(verdict["photo_url"]).status_code == 404

    assert journal.Consumer("t-1", block_ms=10).run_once() == 3  # the shown code, then two scans
    rows = {v.journal_id.hex: v for v in Verification.objects.all()}
    first = rows[verdict["verification_id"].replace("-", "")]
    assert (first.valid, first.verifier, first.credential, first.service_hall) == (True, clerk, licence, clerk.service_hall)
    assert sorted(v.reason for v in rows.values()) == ["already_used", "valid"]
    events = AuditEvent.objects.filter(action="credential_verified", subject=citizen)
    assert events.count() == 2 and events.first().actor_description.startswith("历下区政务服务大厅")
    assert Notice.objects.filter(user=citizen, kind="credential_verified").count() == 2
    english = citizen_api.get("/api/v1/me/notices/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert {(n["title"], n["body"]) for n in english if n["kind"] == "credential_verified"} == {
        ("历下区政务服务大厅 checked your Driving licence", "Active"), ("历下区政务服务大厅 checked your Driving licence", "Presentation already used")}
    assert Presentation.objects.get().used_at is not None
    assert journal.backlog() == 0

    redis_journal.delete(*redis_journal.keys("*verified-photo*"))  # the cached mark gone: the written row answers
    assert clerk_api.get(verdict["photo_url"]).status_code == 200


def test_a_presentation_marked_used_in_the_database_is_used_even_if_redis_forgot(redis_journal, citizen_api, clerk_api, licence):
    token = _present(citizen_api, licence)
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["valid"]
    journal.Consumer("t-1", block_ms=10).run_once()
    redis_journal.delete(*redis_journal.keys("qilu:once:*"), *redis_journal.keys("qilu:shown:*"))  # a Redis that lost its keys
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["reason"] == "already_used"


class Down:
    def __getattr__(self, name):
        def refused(*args, **kwargs):
            raise ConnectionError("refused")

        return refused


def test_with_redis_away_one_time_use_and_the_record_fall_back_to_the_database(redis_journal, citizen_api, clerk_api, licence, monkeypatch):
    token = _present(citizen_api, licence)
    journal.Consumer("t-1", block_ms=10).run_once()  # the shown code's row written; then Redis goes away
    monkeypatch.setattr(journal, "_redis", lambda: Down())
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["valid"]
    assert Verification.objects.get().valid and Presentation.objects.get().used_at is not None
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["reason"] == "already_used"
