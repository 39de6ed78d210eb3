"""Field encryption and the keyed blind index."""

import pytest
from django.db import connection

from core.crypto import CryptoError
from identity import crypto
from identity.models import User, id_number_index


def test_encryption_round_trips_and_is_randomised():
    a = crypto.encrypt("110101199003071233", context="t.c")
    b = crypto.encrypt("110101199003071233", context="t.c")
    assert a != b
    assert crypto.decrypt(a, context="t.c") == "110101199003071233"


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    blob = crypto.encrypt("13800000000", context="identity.user.phone")
    with pytest.raises(CryptoError):
        crypto.decrypt(blob, context="identity.user.id_number")


def test_blind_index_depends_on_the_master_key(settings):
    before = crypto.blind_index("110101199003071233", purpose="id_number")
    settings.QILU_MASTER_KEY = bytes(range(32))
    assert crypto.blind_index("110101199003071233", purpose="id_number") != before


def test_blind_index_normalises_spelling():
    assert id_number_index("11010519491231002x") == id_number_index(" 110105 19491231002X")


@pytest.mark.django_db
def test_the_database_holds_ciphertext_only(citizen):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM identity_user WHERE id = %s", [citizen.pk])
        id_blob, phone_blob = cursor.fetchone()
    assert citizen.id_number.encode() not in bytes(id_blob)
    assert b"13800000101" not in bytes(phone_blob)
    assert User.objects.get(pk=citizen.pk).id_number == citizen.id_number
