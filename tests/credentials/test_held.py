"""A holder's valid credentials cached by a per-holder stamp (issue 25, credentials.held): a hit costs
one primary-key read and no credential rows; any change to the holder's credentials, by any path,
moves the stamp in the same transaction, so the copy is never read after it."""

import pytest
from django.db import connection, transaction

from credentials.held import stamp_of, valid_held
from credentials.models import Credential
from credentials.selectors import valid_credentials
from credentials.services import credential_issue, credential_set_status
from tests.factories import licence_data

pytestmark = pytest.mark.django_db


def identifiers(citizen):
    return [credential.identifier for credential in valid_held(citizen.id_number_index)]


def test_a_second_read_costs_one_primary_key_read_and_answers_the_same(licence, citizen, django_assert_num_queries):
    first = valid_held(citizen.id_number_index)
    with django_assert_num_queries(1) as queries:
        second = valid_held(citizen.id_number_index)
    assert "credentials_holderstamp" in queries.captured_queries[0]["sql"]
    assert [c.identifier for c in second] == [c.identifier for c in first] == [licence.identifier]
    assert second[0].fields == licence.fields and second[0].type.department.name == licence.type.department.name


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
    from django.core.cache import cache

    valid_held(citizen.id_number_index)
    key = f"credentials.held.{citizen.id_number_index}.{stamp_of(citizen.id_number_index)}"
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
