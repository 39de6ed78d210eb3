"""The check journal (core.journal) on a real Redis: a checkpoint scan answers without a database
write, the consumer stores each record exactly once — after a crash mid-batch, a redelivery, or
with Redis away — and the holder then sees the check in "who used my data"."""

import json
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import journal
from healthcode.models import PassCheck
from identity.models import AuditEvent

CHECK = "/api/v1/health/checks/"

def _scan(person_api, checker_api, place="济南西站"):
    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    return checker_api.post(CHECK, {"payload": payload, "place": place}, format="json")


def test_a_scan_answers_with_no_database_write_and_the_consumer_stores_it(redis_journal, person_api, checker_api, person, checker):
    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    checker_api.get("/api/v1/me/")  # a checkpoint's session is warm: its device list entry and user snapshot exist
    with CaptureQueriesContext(connection) as queries:
        response = checker_api.post(CHECK, {"payload": payload, "place": "济南西站"}, format="json")
    assert response.status_code == 200 and response.json()["valid"] is True
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == [] and not PassCheck.objects.exists()
    assert journal.backlog() == 1

    assert journal.Consumer("t-1", block_ms=10).run_once() == 1
    check = PassCheck.objects.get()
    assert (check.place, check.person_index, check.checker, check.valid) == ("济南西站", person.id_number_index, checker, True)
    event = AuditEvent.objects.get(action="health_pass_checked")
    assert (event.subject, event.actor, event.detail["place"]) == (person, checker, "济南西站")
    assert event.created_at == check.created_at and event.source_ip == "127.0.0.1"
    assert journal.backlog() == 0
    mine = person_api.get("/api/v1/me/audit-events/").json()["results"]
    assert any(use["action"] == "health_pass_checked" for use in mine)


def test_a_batch_is_written_in_one_transaction_with_a_few_queries(redis_journal, person_api, checker_api):
    for _ in range(20):
        assert _scan(person_api, checker_api).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert journal.Consumer("t-1", block_ms=10).run_once() == 20
    assert PassCheck.objects.count() == 20 and AuditEvent.objects.filter(action="health_pass_checked").count() == 20
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) == 6, statements  # stored ids, checkers, holders, guardians; then checks and events, one INSERT each



def test_a_consumer_killed_before_its_ack_has_its_records_stored_once_on_restart(redis_journal, person_api, checker_api):
    for _ in range(5):
        _scan(person_api, checker_api)
    dying = journal.Consumer("t-1", block_ms=10)
    messages = dying._read()  # read, written, but killed before the ack
    journal.write_batch([json.loads(fields[b"r"]) for _mid, fields in messages])
    assert PassCheck.objects.count() == 5
    for _ in range(2):
        _scan(person_api, checker_api)

    restarted = journal.Consumer("t-1", block_ms=10)
    assert restarted.run_once() == 5  # its own pending records first: skipped, already stored
    assert restarted.run_once() == 2
    assert PassCheck.objects.count() == 7 and AuditEvent.objects.filter(action="health_pass_checked").count() == 7
    assert journal.backlog() == 0


def test_another_consumer_claims_the_records_of_one_that_died(redis_journal, person_api, checker_api, monkeypatch):
    for _ in range(3):
        _scan(person_api, checker_api)
    journal.Consumer("gone", block_ms=10)._read()  # read and never acknowledged
    monkeypatch.setattr(journal, "CLAIM_IDLE_MS", 0)
    assert journal.Consumer("t-2", block_ms=10).run_once() == 3
    assert PassCheck.objects.count() == 3


def test_an_unreadable_record_is_set_aside_and_the_rest_are_written(redis_journal, person_api, checker_api):
    _scan(person_api, checker_api)
    redis_journal.xadd(journal.STREAM, {"r": json.dumps({"id": uuid.uuid4().hex, "kind": "healthcode.pass_check", "at": "2026-11-30T00:00:00+00:00",
                                                          "ip": None, "checker": 0, "person": "", "place": "", "issuer": "", "valid": False,
                                                          "reason": "malformed", "colour": ""})})
    _scan(person_api, checker_api)
    assert journal.Consumer("t-1", block_ms=10).run_once() == 3
    assert PassCheck.objects.count() == 2 and redis_journal.xlen(journal.DEAD) == 1 and journal.backlog() == 0


def test_with_redis_away_a_scan_is_written_inline(redis_journal, person_api, checker_api, monkeypatch):
    class Down:
        def xadd(self, *args, **kwargs):
            raise ConnectionError("refused")

    monkeypatch.setattr(journal, "_redis", lambda: Down())
    assert _scan(person_api, checker_api).json()["valid"] is True
    assert PassCheck.objects.count() == 1 and AuditEvent.objects.filter(action="health_pass_checked").count() == 1


def test_the_same_record_written_twice_is_stored_once(redis_journal, person_api, checker_api):
    _scan(person_api, checker_api)
    entry = json.loads(redis_journal.xrange(journal.STREAM)[0][1][b"r"])
    journal.write_batch([entry, entry])
    journal.write_batch([entry])
    assert PassCheck.objects.count() == 1 and AuditEvent.objects.filter(action="health_pass_checked").count() == 1


def test_a_record_no_replica_holds_is_written_inline_too_and_stored_once(redis_journal, settings, person_api, checker_api):
    settings.QILU_JOURNAL_REPLICAS = 1  # behind Sentinel; the suite's Redis has no replica, so WAIT answers 0 after 50 ms
    assert _scan(person_api, checker_api).status_code == 200
    assert PassCheck.objects.count() == 1 and journal.backlog() == 1  # stored now, and in the stream
    assert journal.Consumer("t-1", block_ms=10).run_once() == 1
    assert PassCheck.objects.count() == 1 and AuditEvent.objects.filter(action="health_pass_checked").count() == 1
    assert journal.backlog() == 0


def test_after_redis_drops_the_journals_connection_the_next_scan_still_goes_to_the_stream(redis_journal, person_api, checker_api):
    # The journal keeps one connection per thread (core.journal._send); Redis restarting or failing over
    # closes it under the journal's feet: the append reconnects and is sent again, not written inline.
    assert _scan(person_api, checker_api).status_code == 200
    redis_journal.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    assert _scan(person_api, checker_api).json()["valid"] is True
    assert journal.backlog() == 2 and not PassCheck.objects.exists()
    assert journal.Consumer("t-1", block_ms=10).run_once() == 2 and PassCheck.objects.count() == 2


def test_a_failed_append_leaves_no_reply_behind_for_the_next_one(redis_journal, settings, person_api, checker_api, caplog):
    # XADD refused by Redis (here: a stream key of the wrong type) with its WAIT sent behind it: the record
    # is written inline, and the next append reads its own two replies, not the refused one's WAIT reply
    # (which would be read as the next XADD's, and that XADD's id as its WAIT's: "journal unavailable").
    settings.QILU_JOURNAL_REPLICAS = 1  # the suite's Redis has no replica: WAIT answers 0 after 50 ms
    redis_journal.set(journal.STREAM, b"not a stream")
    assert _scan(person_api, checker_api).json()["valid"] is True
    assert PassCheck.objects.count() == 1
    redis_journal.delete(journal.STREAM)
    caplog.clear()
    assert _scan(person_api, checker_api).json()["valid"] is True
    assert journal.backlog() == 1 and PassCheck.objects.count() == 2  # in the stream, and inline too: on no replica
    assert "on no replica" in caplog.text and "journal unavailable" not in caplog.text


def test_a_running_consumer_reads_only_new_records_until_it_is_time_to_look_for_left_ones(redis_journal, person_api, checker_api, monkeypatch):
    consumer = journal.Consumer("t-1", block_ms=10)
    assert consumer.run_once() == 0  # its first read looked for its own pending records and idle ones: none
    claims = []
    monkeypatch.setattr(consumer.redis, "xautoclaim", lambda *args, **kwargs: claims.append(args) or ["0-0", [], []])
    for _ in range(2):
        _scan(person_api, checker_api)
    assert consumer.run_once() == 2 and claims == []  # one read per batch
    monkeypatch.setattr(journal, "CLAIM_EVERY", 0.0)
    _scan(person_api, checker_api)
    assert consumer.run_once() == 1 and len(claims) == 1  # time to look again: then the new one
    assert PassCheck.objects.count() == 3 and journal.backlog() == 0


def test_a_batch_that_failed_before_its_ack_is_read_again_by_the_running_consumer(redis_journal, person_api, checker_api, monkeypatch):
    for _ in range(3):
        _scan(person_api, checker_api)
    consumer = journal.Consumer("t-1", block_ms=10)
    consumer.run_once()  # warm: the next reads are of new records only
    for _ in range(2):
        _scan(person_api, checker_api)
    acks, rounds = [], []
    real_ack = consumer._ack

    def ack_once_refused(ids):
        acks.append(list(ids))
        if len(acks) == 1:
            raise ConnectionError("Redis went away before the ack")
        real_ack(ids)

    monkeypatch.setattr(consumer, "_ack", ack_once_refused)
    monkeypatch.setattr(journal.time, "sleep", lambda seconds: None)
    consumer.run(stop=lambda: rounds.append(1) or len(rounds) > 3)
    assert acks[0] == acks[1] and len(acks[0]) == 2  # the same two records, read again from its pending list
    assert PassCheck.objects.count() == 5 and journal.backlog() == 0
    assert redis_journal.xpending(journal.STREAM, journal.GROUP)["pending"] == 0


def test_under_a_stream_of_checks_the_consumer_lets_records_gather_after_a_small_batch(redis_journal, person_api, checker_api, monkeypatch):
    _scan(person_api, checker_api)
    slept, rounds = [], []
    monkeypatch.setattr(journal.time, "sleep", slept.append)
    journal.Consumer("t-1", block_ms=10, linger=0.1).run(stop=lambda: rounds.append(1) or len(rounds) > 2)
    assert slept == [0.1]  # after the batch of one; not after the empty read that followed
    assert PassCheck.objects.count() == 1
