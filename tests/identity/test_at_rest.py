"""At rest: SM4-GCM as format version 2 beside AES-256-GCM (version 1), both readable, and the resumable, idempotent re-encryption."""

import io
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.management import call_command
from django.db import connection
from PIL import Image

from core.crypto import CryptoError
from identity import at_rest, crypto
from identity.models import User
from tests.factories import UserFactory


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return bytes(cursor.fetchone()[0])


def aes_blob_as_written_before_the_provider(settings, plaintext: bytes, context: str) -> bytes:
    """Version 1 exactly as identity.crypto wrote it until issue 26 (HKDF-SHA256 key, AES-256-GCM)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"qilu/field-encryption/v1").derive(bytes(settings.QILU_MASTER_KEY))
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def test_old_aes_blobs_read_in_either_suite(settings):
    blob = aes_blob_as_written_before_the_provider(settings, b"110101199003071233", "identity.user.id_number")
    for suite in ("international", "national"):
        settings.QILU_AT_REST_SUITE = suite
        assert crypto.decrypt(blob, context="identity.user.id_number") == "110101199003071233"


def test_the_national_suite_writes_sm4_gcm_version_2_and_binds_the_column(settings):
    settings.QILU_AT_REST_SUITE = "national"
    blob = crypto.encrypt("13800000000", context="identity.user.phone")
    assert blob[0] == 2 and len(blob) == 1 + 12 + 11 + 16
    assert crypto.decrypt(blob, context="identity.user.phone") == "13800000000"
    with pytest.raises(CryptoError):
        crypto.decrypt(blob, context="identity.user.id_number")
    with pytest.raises(CryptoError):
        crypto.decrypt(b"\x01" + blob[1:], context="identity.user.phone")  # an SM4 body is no AES ciphertext
    settings.QILU_AT_REST_SUITE = "international"
    assert crypto.decrypt(blob, context="identity.user.phone") == "13800000000"  # still readable after switching back
    assert crypto.encrypt("x", context="c")[0] == 1


def test_an_unknown_version_is_refused():
    with pytest.raises(crypto.UnknownVersion):
        crypto.decrypt(b"\x03" + bytes(40), context="c")


@pytest.mark.django_db
def test_fields_round_trip_in_the_national_suite(settings):
    settings.QILU_AT_REST_SUITE = "national"
    user = UserFactory(phone_number="13800000177")
    assert raw("identity_user", "id_number", user.pk)[0] == 2
    assert raw("identity_user", "phone", user.pk)[0] == 2
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.id_number, fresh.phone) == (user.id_number, "13800000177")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(out, "PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_reencryption_moves_everything_to_sm4_resumes_from_its_checkpoint_and_changes_nothing_twice(settings, tmp_path, citizen):
    from services.services.uploads import _read_content, _upload_path, upload_store

    settings.MEDIA_ROOT = tmp_path / "media"
    people = [UserFactory(phone_number=f"1380000020{i}") for i in range(4)] + [citizen]
    upload = upload_store(actor=citizen, name="a.png", content=png())
    assert raw("identity_user", "id_number", citizen.pk)[0] == 1 and _upload_path(upload).read_bytes()[0] == 1

    settings.QILU_AT_REST_SUITE = "national"
    checkpoint = tmp_path / "checkpoint.json"
    first = next(at_rest.reencrypt_model(User, [User._meta.get_field("id_number"), User._meta.get_field("phone")], version=2, batch=2))
    at_rest.Checkpoint(checkpoint).save(first)  # a run stopped after its first batch of two people
    out = io.StringIO()
    call_command("reencrypt_at_rest", "--batch", "2", "--checkpoint", str(checkpoint), stdout=out)
    assert f"identity.User: {User.objects.count() - 2} looked at" in out.getvalue()  # it went on after the checkpoint

    for person in people:
        assert raw("identity_user", "id_number", person.pk)[0] == 2
        assert raw("identity_user", "phone", person.pk)[0] == 2
        assert User.objects.get(pk=person.pk).phone == person.phone
    assert _upload_path(upload).read_bytes()[0] == 2 and _read_content(upload) == png()

    before = {p.pk: raw("identity_user", "id_number", p.pk) for p in people}
    again = io.StringIO()
    call_command("reencrypt_at_rest", "--restart", "--checkpoint", str(checkpoint), stdout=again)
    assert f"identity.User: {len(people)} looked at, 0 re-encrypted" in again.getvalue()
    assert "services.upload.files: 1 looked at, 0 re-encrypted" in again.getvalue()
    assert before == {p.pk: raw("identity_user", "id_number", p.pk) for p in people}


@pytest.mark.django_db
def test_a_value_written_while_its_row_is_re_encrypted_is_kept(settings, monkeypatch):
    user = UserFactory(phone_number="13800000188")
    settings.QILU_AT_REST_SUITE = "national"
    real = at_rest.rewrap

    def meanwhile(blob, **kwargs):
        User.objects.filter(pk=user.pk).update(phone="13900000199")  # the person changes their number mid-batch
        return real(blob, **kwargs)

    monkeypatch.setattr(at_rest, "rewrap", meanwhile)
    list(at_rest.reencrypt_model(User, [User._meta.get_field("phone")], version=2))
    assert User.objects.get(pk=user.pk).phone == "13900000199"
