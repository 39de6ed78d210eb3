"""A 亮证 code's envelope from a per-key template (``signing.sign_compact_jti``, issue 25) is the general
encoder's (``sign_compact``) byte for byte — with the signature made deterministic to compare — for
every ttl, time and issuer a code can have, and a real one verifies with the general verifier; with
SM2 co-signing on it is the general encoder's code, countersignature and all."""

from __future__ import annotations

import hashlib
import random
import uuid
import zlib

import pytest

from credentials import signing

KIND = "qilu-vp+cwt"


@pytest.fixture
def deterministic(monkeypatch, signing_key):
    """Signatures as a function of the signed bytes (64 of them, as ES256's r‖s), so two encoders' codes compare."""
    monkeypatch.setattr(signing.Signer, "sign", lambda self, data: hashlib.sha512(self.kid.encode() + data).digest())


@pytest.mark.parametrize("now", [0, 23, 255, 65535, 1_700_000_000, 2**32 - 700, 2**32 + 5])
@pytest.mark.parametrize("ttl", [15, 60, 600])
def test_the_template_writes_the_general_encoders_bytes(deterministic, monkeypatch, settings, now, ttl):
    monkeypatch.setattr(signing.time, "time", lambda: now + 0.75)
    for issuer in ("https://qilu.example.gov.cn", "x", "qilu" * 20, "签发方" * 30):
        settings.QILU_ISSUER_ID = issuer
        for _ in range(3):
            jti = uuid.uuid4().hex
            assert signing.sign_compact_jti(jti, kind=KIND, ttl=ttl) == signing.sign_compact({"jti": jti}, kind=KIND, ttl=ttl)


def test_a_repetitive_issuer_makes_a_code_that_zlib_shortens_and_the_template_writes_it_alike(deterministic, settings):
    settings.QILU_ISSUER_ID = "qilu" * 20  # a code of < 250 bytes that compresses: the small window's branch
    jti = uuid.uuid4().hex
    text, _claims = signing.sign_compact_jti(jti, kind=KIND, ttl=60)
    assert signing.base45_decode(text.removeprefix(signing.COMPACT_PREFIX))[:2] == b"\x78\xda"
    assert text == signing.sign_compact({"jti": jti}, kind=KIND, ttl=60)[0]


def test_zlib_at_level_9_byte_for_byte_with_a_small_window():
    rng = random.Random(25)
    for length in range(0, 400):
        for data in (rng.randbytes(length), bytes(rng.choice(b"ab\x00\xff") for _ in range(length)),
                     (b"https://qilu.example.gov.cn" * 16)[: length // 2] + rng.randbytes(length - length // 2)):
            assert signing._zlib9(data) == zlib.compress(data, 9), length


def test_a_templated_code_verifies_with_the_general_verifier(signing_key):
    jti = uuid.uuid4().hex
    text, claims = signing.sign_compact_jti(jti, kind=KIND, ttl=60)
    assert signing.verify_compact(text, kind=KIND) == claims
    assert claims["jti"] == jti and claims["exp"] - claims["iat"] == 60
    with pytest.raises(signing.SignatureRejected) as wrong:
        signing.verify_compact(text, kind="qilu-hp+cwt")
    assert wrong.value.reason == "wrong_kind"


def test_a_new_key_gets_its_own_template(signing_key):
    first, _ = signing.sign_compact_jti(uuid.uuid4().hex, kind=KIND, ttl=60)
    rotated = signing.key_create()
    signing.reset()
    second, _ = signing.sign_compact_jti(uuid.uuid4().hex, kind=KIND, ttl=60)
    assert signing._cose_parts(second).protected[4] == signing._short_kid(rotated.kid) != signing._cose_parts(first).protected[4]
    assert signing.verify_compact(second, kind=KIND)


def test_with_sm2_co_signing_the_code_carries_its_countersignature(settings, signing_key):
    settings.QILU_SM2_COSIGN = True
    signing.ensure_signing_key()
    signing.reset()
    text, _claims = signing.sign_compact_jti(uuid.uuid4().hex, kind=KIND, ttl=60)
    assert signing._COUNTERSIGNATURE in signing._cose_parts(text).unprotected
    assert signing.verify_compact(text, kind=KIND)
