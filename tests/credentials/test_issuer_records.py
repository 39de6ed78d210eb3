"""An issuing system's record numbers (which can name a person: a case or file number) are stored
encrypted and found by a keyed blind index; the migration converts the rows that were in clear."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from credentials.models import Credential, issuer_record_index
from credentials.services import credential_issue, credential_set_status
from tests.factories import licence_data

ENCRYPTED = ("credentials", "0012_issuer_record_encrypted")
CLEAR = ("credentials", "0011_signing_key_per_purpose")


def _column(pk) -> bytes | str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT issuer_record_id FROM credentials_credential WHERE id = %s", [pk])
        value = cursor.fetchone()[0]
    return bytes(value) if isinstance(value, memoryview) else value


@pytest.mark.django_db
def test_record_numbers_are_stored_encrypted_and_found_by_their_index(issuer, citizen):
    client, _token = issuer
    licence = credential_issue(actor=client, data=licence_data(citizen, record_id="GA-2024-张三-0001")).credential
    assert "张三".encode() not in _column(licence.pk) and b"GA-2024" not in _column(licence.pk)
    assert Credential.objects.get(pk=licence.pk).issuer_record_id == "GA-2024-张三-0001"  # read back in clear
    assert licence.issuer_record_index == issuer_record_index("GA-2024-张三-0001") != "GA-2024-张三-0001"
    again = credential_issue(actor=client, data=licence_data(citizen, record_id="GA-2024-张三-0001"))  # the same record pushed again
    assert not again.created and again.credential.pk == licence.pk
    assert credential_set_status(actor=client, record_id="GA-2024-张三-0001", status="suspended").status == "suspended"


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_and_indexes_rows_that_were_in_clear(issuer, citizen, migrated_back_and_forth):
    client, _token = issuer
    licence = credential_issue(actor=client, data=licence_data(citizen, record_id="DL-7")).credential
    executor = MigrationExecutor(connection)
    executor.migrate([CLEAR])  # back: the column holds the number in clear, as before
    assert _column(licence.pk) == "DL-7"
    executor = MigrationExecutor(connection)
    executor.migrate([ENCRYPTED])
    assert isinstance(_column(licence.pk), bytes) and b"DL-7" not in _column(licence.pk)
    converted = Credential.objects.get(pk=licence.pk)
    assert converted.issuer_record_id == "DL-7" and converted.issuer_record_index == issuer_record_index("DL-7")
    assert Credential.objects.filter(issuer=client, issuer_record_index=issuer_record_index("DL-7")).get() == converted
