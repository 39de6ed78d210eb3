"""The copy 亮证 reads of one of a holder's valid credentials, cached by a per-holder stamp (issue 25,
credentials.held): a hit costs one Redis MGET (the stamp mirrored beside the copy) and no SQL; any
change to the holder's credentials, by any path, moves the stamp in the same transaction, and every
writer of the application raises the mirror after its commit, so the copy is never read after it. One
copy per credential, as plain frozen data: what showing one costs does not grow with the wallet."""

import dataclasses

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from credentials import held
from credentials.held import HeldCredential, copy_key, held_to_show, mirror_key, stamp_of
from credentials.models import Credential
from credentials.selectors import valid_credentials
from credentials.services import credential_issue, credential_set_hidden, credential_set_status
from tests.factories import licence_data

pytestmark = pytest.mark.django_db


def identifiers(citizen, *credentials):
    """Which of ``credentials`` (the licence by default) the holder's copies say they hold valid."""
    credentials = credentials or Credential.objects.filter(holder_index=citizen.id_number_index)
    return [c.identifier for c in credentials if held_to_show(citizen.id_number_index, c.identifier) is not None]


def test_a_second_read_costs_one_primary_key_read_and_answers_the_same(licence, citizen, django_assert_num_queries):
    """Inside the transaction that issued it (the fixture's): the stamp is not committed, so it is read
    from PostgreSQL each time and never mirrored."""
    first = held_to_show(citizen.id_number_index, licence.identifier)
    with django_assert_num_queries(1) as queries:
        second = held_to_show(citizen.id_number_index, licence.identifier)
    assert "credentials_holderstamp" in queries.captured_queries[0]["sql"]
    assert second.identifier == first.identifier == licence.identifier and isinstance(second, HeldCredential)
    assert second.fields == licence.fields and second.type.department.name == licence.type.department.name
    assert (second.pk, second.type_id, second.holder_number, second.issued_on, second.expires_on, second.photo) == (
        licence.pk, licence.type_id, licence.holder_number, licence.issued_on, licence.expires_on, bool(licence.photo))
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
    assert identifiers(citizen, licence, second) == [second.identifier]
    with connection.cursor() as cursor:  # SQL by hand
        cursor.execute("DELETE FROM credentials_credential WHERE id = %s", [second.pk])
    assert identifiers(citizen, licence, second) == []


def test_a_stamp_is_never_zero_after_a_write(issuer, citizen):
    assert stamp_of(citizen.id_number_index) == 0
    issued = credential_issue(actor=issuer[0], data=licence_data(citizen)).credential
    assert stamp_of(citizen.id_number_index) != 0 and identifiers(citizen) == [issued.identifier]


def test_the_cached_copy_is_encrypted_and_follows_the_types(licence, citizen, driving_type):
    held_to_show(citizen.id_number_index, licence.identifier)
    key = copy_key(citizen.id_number_index, licence.identifier)
    assert citizen.name.encode() not in cache.get(key) and citizen.id_number.encode() not in cache.get(key)
    driving_type.name = "机动车驾驶证（新）"
    driving_type.save()  # moves the credential types' stamp (after commit: the test runs callbacks at once or commits)
    from credentials.selectors import CREDENTIAL_TYPES

    CREDENTIAL_TYPES.bump()
    assert held_to_show(citizen.id_number_index, licence.identifier).type.name == "机动车驾驶证（新）"


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
    first = held_to_show(citizen.id_number_index, licence.identifier)
    with django_assert_num_queries(0):
        again = held_to_show(citizen.id_number_index, licence.identifier)
    assert again is first and again.identifier == licence.identifier  # the same bytes: the same copy, opened once
    cache.delete(mirror_key(citizen.id_number_index))  # evicted, or Redis restarted: PostgreSQL answers, then the mirror again
    with django_assert_num_queries(1):
        held_to_show(citizen.id_number_index, licence.identifier)
    with django_assert_num_queries(0):
        held_to_show(citizen.id_number_index, licence.identifier)


def test_the_same_copy_is_opened_once_per_process_and_shared_read_only(licence, citizen):
    commit()

    def opened():
        return held._opened.cache_info().misses

    first = held_to_show(citizen.id_number_index, licence.identifier)  # reads the row, keeps a new copy and opens it
    before = opened()
    second, third = held_to_show(citizen.id_number_index, licence.identifier), held_to_show(citizen.id_number_index, licence.identifier)
    assert opened() == before and second is third is first  # the same bytes: decrypted and read once, never copied
    with pytest.raises(dataclasses.FrozenInstanceError):  # a request cannot change what the next one reads
        second.status = "revoked"
    with pytest.raises(dataclasses.FrozenInstanceError):
        second.type.name = "changed"
    with pytest.raises(TypeError):
        second.fields["licence_class"] = "A1"
    with pytest.raises(TypeError):
        second.type.field_schema[0]["key"] = "changed"
    Credential.objects.filter(pk=licence.pk).update(status=Credential.Status.SUSPENDED)  # a change: new stamp, the copy ends
    commit()
    assert identifiers(citizen) == []


def test_each_credential_has_its_own_copy_whatever_the_wallet_holds(licence, issuer, citizen, django_assert_num_queries):
    """亮证 asks for one credential (``credential_to_show``): its copy holds that one alone, so what is
    read, decrypted and kept for it is the same size with one credential held or with fifty."""
    commit()
    index = citizen.id_number_index
    held_to_show(index, licence.identifier)
    alone = len(cache.get(copy_key(index, licence.identifier)))
    Credential.objects.bulk_create([_copy(licence, identifier=f"{licence.identifier}.{n}", issuer_record_index=f"{n:064d}") for n in range(50)])
    commit()
    with django_assert_num_queries(1):  # the stamp moved: the one row read again, no other
        again = held_to_show(index, licence.identifier)
    assert again.identifier == licence.identifier
    assert abs(len(cache.get(copy_key(index, licence.identifier))) - alone) <= 4  # the stamp's digits at most
    other = held_to_show(index, f"{licence.identifier}.7")
    assert other.identifier == f"{licence.identifier}.7" and other.pk != licence.pk
    assert other.type is again.type  # one type as copies have it, shared by the copies of its credentials
    assert held_to_show(index, "no-such-credential") is None and held_to_show(index, "x" * 97) is None


def test_someone_elses_credential_is_not_read_as_mine(licence, citizen, other_citizen):
    commit()
    assert held_to_show(other_citizen.id_number_index, licence.identifier) is None
    assert cache.get(copy_key(other_citizen.id_number_index, licence.identifier)) is None


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
    held_to_show(citizen.id_number_index, licence.identifier)
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
# licence class: the copies hold no "hidden", showing does not read it); each must raise the holder's mirror after its commit (a writer that forgot would leave
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
    assert (identifiers(citizen), held_to_show(other, licence.identifier)) == ([licence.identifier], None)  # copies and mirrors warm
    old = cache.get(mirror_key(citizen.id_number_index))

    write(licence, citizen, other_citizen)
    commit()

    assert [cache.get(mirror_key(index)) for index in (citizen.id_number_index, other)] == [stamp_of(citizen.id_number_index), stamp_of(other)]
    assert cache.get(mirror_key(citizen.id_number_index)) != old
    rows = Credential.objects.filter(holder_index=citizen.id_number_index, status=Credential.Status.VALID)
    copies = [held_to_show(citizen.id_number_index, row.identifier) for row in rows]
    assert sorted((c.identifier, c.fields["licence_class"]) for c in copies) == sorted((row.identifier, row.fields["licence_class"]) for row in rows)
    assert sorted(c.fields["licence_class"] for c in copies) == sorted(licence_class for _hidden, licence_class in held_after)
