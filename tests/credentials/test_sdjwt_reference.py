"""Our SD-JWT against the authors' Python reference implementation (PyPI ``sd-jwt``, on jwcrypto),
both ways — and the edge where the reference is not enough for us: it does not check ``exp``."""

from __future__ import annotations

import json
import time

import pytest
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from credentials.openid import sdjwt


@pytest.fixture
def keys():
    issuer, holder = ECKey.generate_key("P-256"), ECKey.generate_key("P-256")
    return issuer, holder


def _jwcrypto(key: ECKey, private: bool = False) -> JWK:
    return JWK(**key.as_dict(private=private))


def _issue(issuer: ECKey, holder: ECKey, **claims) -> str:
    return sdjwt.issue({"iss": "https://qilu.example", "vct": "https://qilu.example/vct/driving_licence",
                        "cnf": {"jwk": holder.as_dict(private=False)}, **claims},
                       {"holder_name": "张三", "licence_class": "C1", "file_number": "370100123456"}, key=issuer, kid="k1")


def test_the_reference_verifier_accepts_our_presentation_with_key_binding(keys):
    issuer, holder = keys
    shown = sdjwt.present(_issue(issuer, holder), ["licence_class"], holder_key=holder, nonce="n-1", audience="qilu-bank")
    verified = SDJWTVerifier(shown, lambda iss, header: _jwcrypto(issuer), expected_aud="qilu-bank", expected_nonce="n-1")
    payload = verified.get_verified_payload()
    assert payload["licence_class"] == "C1" and "holder_name" not in payload and "file_number" not in payload
    with pytest.raises(ValueError, match="nonce"):
        SDJWTVerifier(shown, lambda iss, header: _jwcrypto(issuer), expected_aud="qilu-bank", expected_nonce="n-2")


def test_our_verifier_accepts_a_presentation_made_by_the_reference_holder(keys):
    issuer, holder = keys
    reference = SDJWTHolder(_issue(issuer, holder))
    reference.create_presentation({"holder_name": True}, nonce="n-1", aud="jinan-lixia-hall-window", holder_key=_jwcrypto(holder, private=True),
                                  sign_alg="ES256")
    verified = sdjwt.verify(reference.sd_jwt_presentation, issuer_keys={"k1": issuer}, nonce="n-1", audience="jinan-lixia-hall-window")
    assert verified.disclosed == {"holder_name": "张三"}


def test_the_reference_verifier_does_not_check_expiry_ours_does(keys):
    """sd-jwt 0.10.4 leaves exp/nbf/iat to the caller ("TODO: Check exp/nbf/iat"): a verifier built
    on it alone would accept an expired copy. Ours refuses it."""
    issuer, holder = keys
    expired = _issue(issuer, holder, exp=int(time.time()) - 3600)
    shown = sdjwt.present(expired, ["licence_class"], holder_key=holder, nonce="n", audience="a")
    payload = SDJWTVerifier(shown, lambda iss, header: _jwcrypto(issuer), expected_aud="a", expected_nonce="n").get_verified_payload()
    assert payload["exp"] < time.time()  # accepted by the reference
    with pytest.raises(sdjwt.SdJwtRejected, match="expired"):
        sdjwt.verify(shown, issuer_keys={"k1": issuer}, nonce="n", audience="a")
    assert json.loads(sdjwt.b64url_decode(expired.split(".")[1]))["exp"] == payload["exp"]
