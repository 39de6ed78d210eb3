"""A holder's valid credentials cached by a per-holder stamp (issue 25, credentials.held): a hit costs
one Redis MGET (the stamp mirrored beside the copy) and no SQL; any change to the holder's credentials,
by any path, moves the stamp in the same transaction, and every writer of the application raises the
mirror after its commit, so the copy is never read after it."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from credentials import held
from credentials.held import copy_key, mirror_key, stamp_of, valid_held
from credentials.models import Credential
from credentials.selectors import valid_credentials
from credentials.services import credential_issue, credential_set_hidden, credential_set_status
from tests.factories import licence_data

pytestmark = pytest.mark.django_db


def identifiers(citizen):
    return [credential.identifier for credential in valid_held(citizen.id_number_index)]


def test_a_second_read_costs_one_primary_key_read_and_answers_the_same(licence, citizen, django_assert_num_queries):
    """Inside the transaction that issued it (the fixture's): the stamp is not committed, so it is read
    from PostgreSQL each time and never mirrored."""
    first = valid_held(citizen.id_number_index)
    with django_assert_num_queries(1) as queries:
        second = valid_held(citizen.id_number_index)
    assert "credentials_holderstamp" in queries.captured_queries[0]["sql"]
    assert [c.identifier for c in second] == [c.identifier for c in first] == [licence.identifier]
    assert second[0].fields == licence.fields and second[0].type.department.name == licence.type.department.name
    assert cache.get(mirror_key(citizen.id_number_index)) is None


def test_every_kind_of_write_moves_the_stamp_in_its_transaction(licence, issuer, citizen):
    assert identifiers(citizen) == [licence.identifier]
    before = stamp_of(citizen.id_number_index)
    with transaction.atomic():  # a bulk update, no save() and no signal: the trigger still moves it
        Credential.objects.filter(pk=licence.pk).update(status=Credential.Status.SUSPENDED)
        assert stamp_of(citizen.id_number_index) != before  # before the commit, in the writer's transaction
        assert identifiers(citizen) == []
    Credential.objects.filter(pk=licence.pk).update(status=Credential.Status.VALID)
    assert identifiers(citizen) == [licence.identifier]

    revoked = credential_set_status(actor=issuer[0], record_id="DL-1", status="revoked", reason="test")  # the use case
    assert revoked.status == "revoked" and identifiers(citizen) == []
    second = credential_issue(actor=issuer[0], data=licence_data(citizen, record_id="DL-2")).credential  # an insert
    assert identifiers(citizen) == [second.identifier]
    with connection.cursor() as cursor:  # SQL by hand
        cursor.execute("DELETE FROM credentials_credential WHERE id = %s", [second.pk])
    assert identifiers(citizen) == []


def test_a_stamp_is_never_zero_after_a_write_so_an_empty_copy_of_a_new_holder_ends(issuer, citizen):
    assert identifiers(citizen) == [] and stamp_of(citizen.id_number_index) == 0  # cached: nothing held
    issued = credential_issue(actor=issuer[0], data=licence_data(citizen)).credential
    assert identifiers(citizen) == [issued.identifier]


def test_the_cached_copy_is_encrypted_and_follows_the_types(licence, citizen, driving_type):
    valid_held(citizen.id_number_index)
    key = copy_key(citizen.id_number_index)
    assert citizen.name.encode() not in cache.get(key) and citizen.id_number.encode() not in cache.get(key)
    driving_type.name = "机动车驾驶证（新）"
    driving_type.save()  # moves the credential types' stamp (after commit: the test runs callbacks at once or commits)
    from credentials.selectors import CREDENTIAL_TYPES

    CREDENTIAL_TYPES.bump()
    assert valid_held(citizen.id_number_index)[0].type.name == "机动车驾驶证（新）"


def test_valid_credentials_reads_the_copy_and_still_leaves_out_the_expired(licence, citizen):
    import datetime as dt

    assert set(valid_credentials(holder_kind="person", holder_number=citizen.id_number, type_codes={"driving_licence"})) == {"driving_licence"}
    Credential.objects.filter(pk=licence.pk).update(expires_on=dt.date(2020, 1, 1))
    assert valid_credentials(holder_kind="person", holder_number=citizen.id_number, type_codes={"driving_licence"}) == {}


# --- the stamp mirrored in Redis: 亮证 without SQL ------------------------------------------------


def commit():
    """What a commit does for credentials.held in these tests (each runs in one transaction that never
    commits): the writers' pending publications run, and leave the transaction."""
    pending = [func for _savepoints, func, _robust in connection.run_on_commit if isinstance(func, held._Publish)]
    connection.run_on_commit = [entry for entry in connection.run_on_commit if not isinstance(entry[1], held._Publish)]
    for publish in pending:
        publish()


def test_a_committed_holder_is_read_with_no_sql_and_a_lost_mirror_with_one_read(licence, citizen, django_assert_num_queries):
    commit()
    assert cache.get(mirror_key(citizen.id_number_index)) == stamp_of(citizen.id_number_index)
    first = valid_held(citizen.id_number_index)
    with django_assert_num_queries(0):
        again = valid_held(citizen.id_number_index)
    assert [c.identifier for c in again] == [c.identifier for c in first] == [licence.identifier]
    cache.delete(mirror_key(citizen.id_number_index))  # evicted, or Redis restarted: PostgreSQL answers, then the mirror again
    with django_assert_num_queries(1):
        valid_held(citizen.id_number_index)
    with django_assert_num_queries(0):
        valid_held(citizen.id_number_index)


def test_the_same_copy_is_unpickled_once_per_process_and_each_read_gets_its_own_instances(licence, citizen):
    commit()

    def opened():
        return held._opened.cache_info().misses

    first = valid_held(citizen.id_number_index)  # reads the rows and keeps a new copy
    before = opened()
    second, third = valid_held(citizen.id_number_index), valid_held(citizen.id_number_index)
    assert opened() == before + 1  # the same bytes: decrypted and unpickled once
    assert second[0] is not third[0] and second[0].type is not third[0].type
    assert second[0].type.department is not third[0].type.department
    second[0].status = "revoked"  # a request that changes what it was handed reaches nobody else
    second[0].type.name = "changed"
    second[0].type.department.name = "changed"
    second[0]._state.fields_cache.clear()
    again = valid_held(citizen.id_number_index)[0]
    assert opened() == before + 1
    assert (again.status, again.type.name, again.type.department.name) == (
        first[0].status, first[0].type.name, first[0].type.department.name) == (
        Credential.Status.VALID, licence.type.name, licence.type.department.name)
    assert again.fields == licence.fields and again.pk == licence.pk and again._state.db == "default"
    assert not again._state.adding
    Credential.objects.filter(pk=licence.pk).update(status=Credential.Status.SUSPENDED)  # a change: new copy, new bytes
    commit()
    assert identifiers(citizen) == []


def test_one_credential_asked_for_by_its_identifier_is_the_only_one_copied(licence, issuer, citizen, monkeypatch):
    """亮证 asks for one credential (``credential_to_show``): from the rows and from the kept copy alike
    it gets that one — the same as in the whole list — and no copy of the others."""
    second = credential_issue(actor=issuer[0], data=licence_data(citizen, record_id="DL-2")).credential
    commit()
    from_rows = valid_held(citizen.id_number_index, licence.identifier)  # no copy yet: the rows, then kept
    everything = valid_held(citizen.id_number_index)
    copied = []
    real = held._fresh
    monkeypatch.setattr(held, "_fresh", lambda instance, copies: copied.append(instance) or real(instance, copies))
    from_copy = valid_held(citizen.id_number_index, second.identifier)
    assert sorted(c.identifier for c in everything) == sorted([licence.identifier, second.identifier])
    assert [c.identifier for c in from_rows] == [licence.identifier] and [c.identifier for c in from_copy] == [second.identifier]
    assert [c.identifier for c in copied if isinstance(c, Credential)] == [second.identifier]
    assert from_copy[0].fields == second.fields and from_copy[0].type.name == second.type.name
    assert valid_held(citizen.id_number_index, "no-such-credential") == []


def test_the_mirror_is_only_ever_raised(licence, citizen):
    commit()
    index = citizen.id_number_index
    current = stamp_of(index)
    held._raise_mirror({index: current - 5})  # a reader that read PostgreSQL before the writer's commit, arriving last
    assert cache.get(mirror_key(index)) == current
    held._raise_mirror({index: current + 1})
    assert cache.get(mirror_key(index)) == current + 1


def test_a_read_inside_the_writing_transaction_sees_it_and_mirrors_nothing(licence, citizen):
    commit()
    valid_held(citizen.id_number_index)
    Credential.objects.filter(pk=licence.pk).update(status=Credential.Status.SUSPENDED)  # not committed yet
    assert cache.get(mirror_key(citizen.id_number_index)) is None  # deleted before the commit
    assert identifiers(citizen) == []
    assert cache.get(mirror_key(citizen.id_number_index)) is None  # an uncommitted stamp is never mirrored
    commit()
    assert cache.get(mirror_key(citizen.id_number_index)) == stamp_of(citizen.id_number_index)


def _second(licence, citizen):
    return credential_issue(actor=licence.issuer, data=licence_data(citizen, record_id="DL-2")).credential


def _copy(licence, **changes):
    copy = Credential.objects.get(pk=licence.pk)
    copy.pk, copy.identifier, copy.issuer_record_index = None, licence.identifier + ".copy", licence.issuer_record_index[::-1]
    for name, value in changes.items():
        setattr(copy, name, value)
    return copy


# Every way the application writes a holder's credentials, and what the holder then holds (hidden?,
# licence class); each must raise the holder's mirror after its commit (a writer that forgot would leave
# the old stamp there, and 亮证 would read the old copy).
WRITERS = {
    "issue a new credential": (lambda licence, citizen, other: _second(licence, citizen), [(False, "C1"), (False, "C1")]),
    "re-push (an update)": (lambda licence, citizen, other: credential_issue(
        actor=licence.issuer, data=licence_data(citizen, fields={**licence.fields, "licence_class": "A1"})), [(False, "A1")]),
    "revoke (the use case)": (lambda licence, citizen, other: credential_set_status(actor=licence.issuer, record_id="DL-1", status="revoked"), []),
    "hide from the front page": (lambda licence, citizen, other: credential_set_hidden(actor=citizen, credential=licence, hidden=True), [(True, "C1")]),
    "queryset update": (lambda licence, citizen, other: Credential.objects.filter(pk=licence.pk).update(status=Credential.Status.SUSPENDED), []),
    "bulk_update": (lambda licence, citizen, other: Credential.objects.bulk_update(
        [Credential(pk=licence.pk, status=Credential.Status.REVOKED, holder_index=licence.holder_index)], ["status"]), []),
    "bulk_create": (lambda licence, citizen, other: Credential.objects.bulk_create([_copy(licence)]), [(False, "C1"), (False, "C1")]),
    "bulk_create, two of one holder": (lambda licence, citizen, other: Credential.objects.bulk_create(
        [_copy(licence), _copy(licence, identifier=licence.identifier + ".second", issuer_record_index=licence.issuer_record_index[1:] + "0")]),
        [(False, "C1"), (False, "C1"), (False, "C1")]),
    "delete one": (lambda licence, citizen, other: Credential.objects.get(pk=licence.pk).delete(), []),
    "delete a queryset": (lambda licence, citizen, other: Credential.objects.filter(pk=licence.pk).delete(), []),
    "delete two of one holder in one statement": (lambda licence, citizen, other: (
        _second(licence, citizen), Credential.objects.filter(holder_index=licence.holder_index, type=licence.type).delete()), []),
    "re-push to another holder (both holders change)": (lambda licence, citizen, other: credential_issue(actor=licence.issuer, data=licence_data(other)), []),
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_writer_raises_the_mirror_after_its_commit(writer, licence, citizen, other_citizen):
    write, held_after = WRITERS[writer]
    commit()
    other = other_citizen.id_number_index
    assert (identifiers(citizen), valid_held(other)) == ([licence.identifier], [])  # both copies and mirrors warm
    old = cache.get(mirror_key(citizen.id_number_index))

    write(licence, citizen, other_citizen)
    commit()

    assert [cache.get(mirror_key(index)) for index in (citizen.id_number_index, other)] == [stamp_of(citizen.id_number_index), stamp_of(other)]
    assert cache.get(mirror_key(citizen.id_number_index)) != old
    assert [(c.hidden, c.fields["licence_class"]) for c in valid_held(citizen.id_number_index)] == held_after
