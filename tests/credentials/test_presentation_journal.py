"""亮证 through the check journal on a real Redis (issue 25): showing a code writes no row on the request
path — the presentation and its audit event are a journal record, written by the consumer once however
often it is delivered — and a clerk's scan answers from what Redis kept of the code (credentials.shown),
even with the database refusing every statement; a credential changed since it was shown is read afresh,
so a revocation takes effect at the very next scan."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import journal
from credentials.models import Presentation, Verification
from credentials.services import credential_set_status
from identity.models import AuditEvent

VERIFY = "/api/v1/verifications/"


def _show(api, credential, disclose=("licence_class",)):
    answer = api.post(f"/api/v1/wallet/{credential.identifier}/presentations/", {"disclose": list(disclose)}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_a_shown_code_writes_no_row_and_the_consumer_stores_it_once(redis_journal, citizen_api, licence, citizen):
    citizen_api.get("/api/v1/me/")  # a warm session
    with CaptureQueriesContext(connection) as queries:
        body = _show(citizen_api, licence)
    assert _writes(queries) == [] and not Presentation.objects.exists() and journal.backlog() == 1
    entry = json.loads(redis_journal.xrange(journal.STREAM)[0][1][b"r"])

    assert journal.Consumer("t-1", block_ms=10).run_once() == 1
    presentation = Presentation.objects.get()
    assert (presentation.id.hex, presentation.presenter, presentation.on_behalf, presentation.disclosed) == (
        body["id"].replace("-", ""), citizen, False, ["licence_class"])
    event = AuditEvent.objects.get(action="credential_presented")
    assert (event.actor, event.subject, event.detail["identifier"], event.detail["disclosed"]) == (citizen, citizen, licence.identifier, ["licence_class"])
    assert event.created_at == presentation.created_at or abs((event.created_at - presentation.created_at).total_seconds()) < 1
    mine = citizen_api.get("/api/v1/me/audit-events/").json()["results"]
    assert any(use["action"] == "credential_presented" for use in mine)  # the holder's own record of it

    journal.write_batch([entry, entry])  # delivered again (a consumer killed before its ack): stored once
    assert Presentation.objects.count() == 1 and AuditEvent.objects.filter(action="credential_presented").count() == 1


def test_a_code_and_its_scan_in_one_batch_are_written_presentation_first(redis_journal, citizen_api, clerk_api, licence, citizen):
    token = _show(citizen_api, licence)["payload"]
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["valid"]
    stream = [json.loads(fields[b"r"]) for _mid, fields in redis_journal.xrange(journal.STREAM)]
    journal.write_batch(list(reversed(stream)))  # even delivered scan first
    verification = Verification.objects.get()
    assert verification.presentation == Presentation.objects.get() and verification.credential == licence
    assert Presentation.objects.get().used_at is not None
    checks = citizen_api.get("/api/v1/wallet/checks/").json()["results"]  # the holder's checks page
    assert [check["valid"] for check in checks] == [True]


def test_a_scan_answers_from_redis_with_the_database_refusing_every_statement(redis_journal, citizen_api, clerk_api, licence):
    token = _show(citizen_api, licence, disclose=("licence_class", "holder_number"))["payload"]
    clerk_api.get("/api/v1/me/")  # a warm session: the clerk's user snapshot is cached beside it

    def refuse(execute, sql, params, many, context):
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):  # the test case's transaction (outside a test: no statement at all)
            return execute(sql, params, many, context)
        raise AssertionError(f"a statement on a scan: {sql}")

    with connection.execute_wrapper(refuse):
        verdict = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
        again = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert verdict["valid"] and verdict["credential"]["holder_number"] == licence.holder_number  # chosen: in full
    assert {row["key"]: row["value"] for row in verdict["fields"]}["licence_class"] == "C1"
    assert (again["valid"], again["reason"]) == (False, "already_used")


@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_a_credential_changed_after_its_code_was_shown_is_refused_at_the_next_scan(status, redis_journal, citizen_api, clerk_api, licence, issuer):
    token = _show(citizen_api, licence)["payload"]
    credential_set_status(actor=issuer[0], record_id=licence.issuer_record_id, status=status, reason="测试")
    verdict = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert (verdict["valid"], verdict["reason"]) == (False, f"credential_{status}")


def test_a_masked_number_stays_masked_in_what_redis_keeps(redis_journal, citizen_api, clerk_api, licence):
    token = _show(citizen_api, licence)["payload"]
    kept = b"".join(redis_journal.get(key) for key in redis_journal.keys("qilu:shown:*"))
    assert licence.holder_number.encode() not in kept and "驾驶".encode() not in kept  # encrypted at rest in Redis
    verdict = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert verdict["valid"] and verdict["credential"]["holder_number"] != licence.holder_number and "*" in verdict["credential"]["holder_number"]


def test_with_redis_away_a_code_is_shown_and_scanned_through_the_database(redis_journal, citizen_api, clerk_api, licence, monkeypatch):
    from tests.credentials.test_verification_journal import Down

    monkeypatch.setattr(journal, "_redis", lambda: Down())
    token = _show(citizen_api, licence)["payload"]
    assert Presentation.objects.count() == 1 and AuditEvent.objects.filter(action="credential_presented").count() == 1  # written inline
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["valid"]


def test_over_the_quota_a_code_is_neither_counted_as_shown_nor_recorded_nor_kept(redis_journal, citizen_api, licence, settings):
    """The quota, the record and the kept code are one Lua script (credentials.shown.publish): refused
    by the quota, nothing is appended or kept — the holder's audit never names a code they were not given."""
    settings.QILU_CREATION_QUOTAS = {"presentations": [1, 60]}
    _show(citizen_api, licence)
    refused = citizen_api.post(f"/api/v1/wallet/{licence.identifier}/presentations/", {"disclose": []}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests" and int(refused["Retry-After"]) > 0
    assert journal.backlog() == 1 and len(redis_journal.keys("qilu:shown:*")) == 1


def test_with_redis_away_a_code_is_counted_by_the_floor_recorded_inline_and_still_limited(redis_journal, citizen_api, licence, settings,
                                                                                          monkeypatch):
    from core import ratelimits

    def away():
        raise ConnectionError("Redis is away")

    settings.QILU_CREATION_QUOTAS = {"presentations": [2, 60]}
    monkeypatch.setattr(ratelimits, "_down_until", 0.0)  # the breaker this test trips is put back
    monkeypatch.setattr(journal, "_redis", away)
    monkeypatch.setattr(ratelimits, "_floor", {})
    assert [_show(citizen_api, licence)["id"] for _ in range(2)] and Presentation.objects.count() == 2  # written inline
    refused = citizen_api.post(f"/api/v1/wallet/{licence.identifier}/presentations/", {"disclose": []}, format="json")
    assert refused.status_code == 429 and Presentation.objects.count() == 2  # the local floor: never unlimited


def test_behind_sentinel_a_code_and_its_scan_on_no_replica_are_written_inline_too(redis_journal, citizen_api, clerk_api, licence, settings):
    """The one-round-trip scripts WAIT for the replicas as core.journal does: on none (this Redis has
    none), the record is written inline too, once."""
    settings.QILU_JOURNAL_REPLICAS = 1
    token = _show(citizen_api, licence)["payload"]
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["reason"] == "valid"
    assert journal.backlog() == 2 and Presentation.objects.count() == 1 and Verification.objects.get().reason == "valid"
    assert journal.Consumer("t-1", block_ms=10).run_once() == 2
    assert Presentation.objects.count() == 1 and Verification.objects.count() == 1


def test_a_scans_record_is_written_once_with_its_verdict_put_in_by_the_script(redis_journal, citizen_api, clerk_api, licence):
    """The scan's record goes to Redis as its JSON up to the verdict and the two possible verdicts; what
    the stream holds is ``journal.raw`` of the record with the verdict the claim decided, byte for byte."""
    from credentials import shown

    token = _show(citizen_api, licence)["payload"]
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["valid"]
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["reason"] == "already_used"
    first, used = (fields[b"r"].decode() for _mid, fields in redis_journal.xrange(journal.STREAM)[-2:])
    for written, valid, reason in ((first, True, "valid"), (used, False, "already_used")):
        made = json.loads(written)
        assert (made["valid"], made["reason"], list(made)[-2:]) == (valid, reason, ["valid", "reason"])
        assert written == journal.raw({**made, "valid": False, "reason": "valid"})[:-len(shown._ending(False, "valid"))] + shown._ending(valid, reason)

    record = journal.entry("credentials.verification", audit="credential_verified", verifier=1, presentation="ab" * 16, reason="valid")
    with pytest.raises(ValueError, match="ends with its verdict"):  # a record not made with its verdict last is refused, not garbled
        shown.claim("cd" * 16, licence.pk, 60, record=record, first="valid", used="already_used")
