"""Health passes with an SM2 co-signature beside ES256 (issue 26): the JWS JSON General form, checked
at the checkpoint by the signatures of the algorithms it trusts."""

from __future__ import annotations

import json

import pytest

from credentials import signing
from credentials.rendering import _qr

CHECK = "/api/v1/health/checks/"


@pytest.fixture
def cosign(settings, signing_key):
    settings.QILU_SM2_COSIGN = True
    signing.ensure_signing_key()
    signing.reset()
    return signing.keyring()


def _flip(text: str) -> str:
    return ("B" if text[0] == "A" else "A") + text[1:]


def test_a_co_signed_pass_is_checked_by_es256_by_sm2_or_by_both(cosign, settings, person_api, checker_api):
    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    assert [signature["protected"] for signature in json.loads(payload)["signatures"]]  # the JSON General form
    for trusted in (("ES256",), ("SM2",), ("ES256", "SM2")):
        settings.QILU_SIGNATURE_ALGORITHMS = trusted
        verdict = checker_api.post(CHECK, {"payload": payload}, format="json").json()
        assert (verdict["valid"], verdict["colour"], verdict["masked_name"]) == (True, "green", "张*"), trusted


def test_a_pass_whose_es256_signature_is_tampered_fails_even_though_its_sm2_signature_is_fine(cosign, settings, person_api, checker_api):
    document = json.loads(person_api.get("/api/v1/health/pass/").json()["payload"])
    es256, sm2 = document["signatures"]
    tampered = json.dumps({**document, "signatures": [{**es256, "signature": _flip(es256["signature"])}, sm2]})
    verdict = checker_api.post(CHECK, {"payload": tampered}, format="json").json()
    assert (verdict["valid"], verdict["reason"]) == (False, "bad_signature")
    settings.QILU_SIGNATURE_ALGORITHMS = ("SM2",)  # a verifier that trusts SM2 alone does not read the ES256 part
    assert checker_api.post(CHECK, {"payload": tampered}, format="json").json()["valid"]
    stripped = json.dumps({**document, "signatures": [es256]})
    verdict = checker_api.post(CHECK, {"payload": stripped}, format="json").json()
    assert (verdict["valid"], verdict["reason"]) == (False, "unknown_key")


def test_the_co_signed_pass_qr_size(cosign, settings, person_api):
    """Measured for docs/health-pass.md (484 → 775 characters, QR version 17 → 22 at M): the co-signature
    costs one protected header and one signature in the JSON General form, nothing more."""
    co_signed = person_api.get("/api/v1/health/pass/").json()["payload"]
    settings.QILU_SM2_COSIGN = False
    plain = person_api.get("/api/v1/health/pass/").json()["payload"]
    sizes = {name: (len(text), _qr(text).version) for name, text in (("plain", plain), ("co_signed", co_signed))}
    assert 0 < sizes["co_signed"][0] - sizes["plain"][0] < 320 and sizes["co_signed"][1] <= 22, sizes
