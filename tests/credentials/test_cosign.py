"""SM2 co-signatures beside ES256 (issue 26): the key ring through the crypto provider, 亮证 codes with
an RFC 9338 countersignature, co-signed status lists, the dual-signed SD-JWT VC, and the verifier that
checks the algorithms it trusts."""

from __future__ import annotations

import base64
import importlib
import json
import zlib
from io import StringIO

import cbor2
import pytest
from django.core.management import call_command
from joserfc.jwk import ECKey

from credentials import signing
from credentials.models import SigningKey, Verification
from credentials.openid import sdjwt, statuslist
from credentials.rendering import _qr
from credentials.services import presentation_create, presentation_verify

COMPACT = "qilu-vp+cwt"
KIND = "qilu-vp+jwt"


@pytest.fixture
def cosign(settings, signing_key):
    """Co-signatures on, and the SM2 keys the deploy step (``signing_keys ensure``) makes."""
    settings.QILU_SM2_COSIGN = True
    signing.ensure_signing_key()
    signing.reset()
    return signing.keyring()


def _flip(text: str) -> str:
    """A base64url string with one character changed (the bytes it decodes to differ)."""
    return ("B" if text[0] == "A" else "A") + text[1:]


def _cose(text: str) -> list:
    raw = signing.base45_decode(text.removeprefix(signing.COMPACT_PREFIX))
    return list(cbor2.loads(zlib.decompress(raw) if raw[:1] == b"\x78" else raw).value)


def _code(parts: list) -> str:
    return signing.COMPACT_PREFIX + signing.base45_encode(cbor2.dumps(cbor2.CBORTag(18, parts)))


# --- the key ring -------------------------------------------------------------------------------------------


def test_the_deploy_step_makes_sm2_keys_per_co_signed_purpose_and_publishes_them_with_their_own_key_type(cosign, client):
    active = set(SigningKey.objects.filter(status="active").values_list("purpose", "algorithm"))
    assert {("credentials", "SM2"), ("status_lists", "SM2")} <= active and ("access_tokens", "SM2") not in active
    published = client.get("/.well-known/jwks.json").json()["keys"]
    sm2 = [key for key in published if key["alg"] == "SM2"]
    assert len(sm2) == 2 and all(key["kty"] == "EC" and key["crv"] == "SM2" and key["use"] == "sig" and "d" not in key for key in sm2)
    assert {key["kid"] for key in sm2} == {kid for kid, key in cosign.public.items() if key.alg == "SM2"}
    assert all(signing.PublicKey.from_jwk(key).thumbprint == key["kid"] for key in published)  # RFC 7638 kids for both curves
    assert len([key for key in published if key["crv"] == "P-256"]) == 3


def test_sm2_keys_rotate_alone_and_the_stored_private_half_is_an_encrypted_provider_handle(cosign):
    from django.db import connection

    old = cosign.cosigners["credentials"]
    rotated = signing.key_create(algorithm="SM2")
    signing.reset()
    ring = signing.keyring()
    assert ring.cosigners["credentials"].kid == rotated.kid != old.kid and ring.signers["credentials"] == cosign.signers["credentials"]
    assert SigningKey.objects.get(kid=old.kid).status == "verifying"
    assert SigningKey.objects.get(kid=rotated.kid).private_key.startswith("software:")
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM credentials_signingkey WHERE kid = %s", [rotated.kid])
        (stored,) = cursor.fetchone()
    assert b"software:" not in bytes(stored)
    out = StringIO()
    call_command("signing_keys", "rotate", "--purpose", "status_lists", "--algorithm", "SM2", stdout=out)
    assert out.getvalue().startswith("new active status_lists SM2 key ")
    assert SigningKey.objects.filter(purpose="status_lists", algorithm="SM2").count() == 2


def test_a_key_stored_before_issue_26_as_pem_keeps_signing_and_the_migration_rewrites_it(db):
    """Keys written by joserfc as PKCS#8 PEM: read as they are, then rewritten by migration 0013 to
    the provider's handle, with the same kid and what they signed still verifying."""
    SigningKey.objects.all().delete()
    old = ECKey.generate_key("P-256", auto_kid=False)
    public = {**old.as_dict(private=False), "kid": old.thumbprint(), "alg": "ES256", "use": "sig"}
    SigningKey.objects.create(kid=old.thumbprint(), public_jwk=public, private_key=old.as_pem(private=True).decode())
    signing.reset()
    token, _claims = signing.sign({"jti": "pem"}, kind=KIND, ttl=60)
    assert signing.verify(token, kind=KIND)["jti"] == "pem"
    migration = importlib.import_module("credentials.migrations.0013_signing_key_provider_handles_and_sm2")
    from django.apps import apps

    migration.to_handles(apps, None)
    row = SigningKey.objects.get()
    assert row.private_key.startswith("software:") and row.kid == old.thumbprint()
    signing.reset()
    assert signing.verify(token, kind=KIND)["jti"] == "pem"
    again, _claims = signing.sign({"jti": "after"}, kind=KIND, ttl=60)
    assert signing.verify(again, kind=KIND)["jti"] == "after"
    migration.to_pem(apps, None)
    assert SigningKey.objects.get().private_key == old.as_pem(private=True).decode()


def test_without_the_setting_nothing_is_co_signed_and_a_missing_sm2_key_is_unavailable(settings, signing_key):
    text, _claims = signing.sign_compact({"jti": "00" * 16}, kind=COMPACT, ttl=60)
    assert _cose(text)[1] == {}
    assert signing.sign({"jti": "x"}, kind=KIND, ttl=60)[0].count(".") == 2
    settings.QILU_SM2_COSIGN = True  # switched on, but the deploy step has not made the SM2 keys
    from core.errors import Unavailable

    with pytest.raises(Unavailable):
        signing.sign_compact({"jti": "00" * 16}, kind=COMPACT, ttl=60)


# --- 亮证 codes: COSE_Sign1 with an SM2 countersignature ---------------------------------------------------


def test_a_co_signed_code_verifies_for_each_kind_of_verifier_and_stays_within_version_12(cosign, settings):
    text, _claims = signing.sign_compact({"jti": "ab" * 16}, kind=COMPACT, ttl=120)
    counter_protected, _unprotected, counter = _cose(text)[1][11]
    assert cbor2.loads(counter_protected)[1] == signing.COSE_SM2 and len(counter) == 64
    keys = cosign.public
    for trusted in (("ES256",), ("SM2",), ("ES256", "SM2")):
        assert signing.verify_compact_with(text, kind=COMPACT, keys=keys, algorithms=trusted)["jti"] == "ab" * 16
    qr = _qr(text)
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") and qr.version <= 12, (len(text), qr.version)


def test_a_code_whose_es256_part_is_tampered_fails_even_when_its_sm2_part_is_fine(cosign):
    text, _claims = signing.sign_compact({"jti": "cd" * 16}, kind=COMPACT, ttl=60)
    protected, unprotected, payload, signature = _cose(text)
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    counter_protected = unprotected[11][0]
    resigned = cosign.cosigners["credentials"].sign(signing._countersign_structure(protected, counter_protected, payload, forged))
    tampered = _code([protected, {11: [counter_protected, {}, resigned]}, payload, forged])
    for trusted in (("ES256",), ("ES256", "SM2")):
        with pytest.raises(signing.SignatureRejected, match="bad_signature"):
            signing.verify_compact_with(tampered, kind=COMPACT, keys=cosign.public, algorithms=trusted)
    # A verifier that trusts SM2 alone checks only the countersignature, which covers the ES256 signature:
    # the original countersignature no longer matches the tampered ES256 bytes.
    with pytest.raises(signing.SignatureRejected, match="bad_signature"):
        signing.verify_compact_with(_code([protected, dict(unprotected), payload, forged]), kind=COMPACT, keys=cosign.public, algorithms=("SM2",))


def test_a_code_stripped_of_its_co_signature_fails_for_an_sm2_verifier_only(cosign):
    text, _claims = signing.sign_compact({"jti": "ef" * 16}, kind=COMPACT, ttl=60)
    protected, _unprotected, payload, signature = _cose(text)
    stripped = _code([protected, {}, payload, signature])
    with pytest.raises(signing.SignatureRejected, match="unknown_key"):
        signing.verify_compact_with(stripped, kind=COMPACT, keys=cosign.public, algorithms=("SM2",))
    assert signing.verify_compact_with(stripped, kind=COMPACT, keys=cosign.public, algorithms=("ES256", "SM2"))["jti"] == "ef" * 16
    sm2_only = {kid: key for kid, key in cosign.public.items() if key.alg == "SM2"}
    with pytest.raises(signing.SignatureRejected, match="unknown_key"):
        signing.verify_compact_with(text, kind=COMPACT, keys=sm2_only, algorithms=("ES256",))


def test_the_clerk_verifies_a_co_signed_code_when_trusting_sm2_alone(cosign, settings, citizen, clerk, licence):
    settings.QILU_SIGNATURE_ALGORITHMS = ("SM2",)
    shown = presentation_create(actor=citizen, credential=licence, disclose=[])
    assert presentation_verify(actor=clerk, token=shown.token).valid
    settings.QILU_SM2_COSIGN = False  # a code made without the co-signature: this verifier trusts no signature on it
    plain = presentation_create(actor=citizen, credential=licence, disclose=[])
    verdict = presentation_verify(actor=clerk, token=plain.token)
    assert (verdict.valid, verdict.reason) == (False, Verification.Reason.UNKNOWN_KEY)


def test_the_offline_verifier_checks_the_algorithms_it_is_told_to_trust(cosign, client, tmp_path):
    text, _claims = signing.sign_compact({"jti": "01" * 16}, kind=COMPACT, ttl=60)
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_bytes(client.get("/.well-known/jwks.json").content)
    out = StringIO()
    call_command("verify_offline", text, "--jwks", str(jwks_file), "--algorithms", "SM2", stdout=out)
    assert out.getvalue().startswith("VALID credential presentation")
    protected, _unprotected, payload, signature = _cose(text)
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_offline", _code([protected, {}, payload, signature]), "--jwks", str(jwks_file), "--algorithms", "SM2", stdout=out)
    assert out.getvalue().startswith("NOT VALID: unknown_key")


# --- JWS: the JSON General form with both signatures ---------------------------------------------------


def test_a_co_signed_jws_is_the_general_json_form_and_each_signature_counts_for_its_verifier(cosign):
    token, _claims = signing.sign({"jti": "g1"}, kind=KIND, ttl=60)
    document = json.loads(token)
    headers = [json.loads(base64.urlsafe_b64decode(entry["protected"] + "==")) for entry in document["signatures"]]
    assert [header["alg"] for header in headers] == ["ES256", "SM2"] and {header["typ"] for header in headers} == {KIND}
    forged_es256 = json.dumps({**document, "signatures": [{**document["signatures"][0], "signature": _flip(document["signatures"][0]["signature"])},
                                                          document["signatures"][1]]})
    assert signing.verify_with(forged_es256, kind=KIND, keys=cosign.public, algorithms=("SM2",))["jti"] == "g1"
    for trusted in (("ES256",), ("ES256", "SM2")):
        with pytest.raises(signing.SignatureRejected, match="bad_signature"):
            signing.verify_with(forged_es256, kind=KIND, keys=cosign.public, algorithms=trusted)
    es256_only = json.dumps({**document, "signatures": document["signatures"][:1]})
    with pytest.raises(signing.SignatureRejected, match="unknown_key"):
        signing.verify_with(es256_only, kind=KIND, keys=cosign.public, algorithms=("SM2",))


# --- status lists -------------------------------------------------------------------------------------------


def test_a_status_list_is_compact_for_wallets_and_co_signed_for_who_asks(cosign, client):
    from credentials.models import StatusList

    status_list = StatusList.objects.create(size=1024, bits=2)
    uri = f"http://testserver/status-lists/{status_list.pk}"
    plain = client.get(f"/status-lists/{status_list.pk}")
    assert plain["Content-Type"] == "application/statuslist+jwt" and plain.content.count(b".") == 2
    dual = client.get(f"/status-lists/{status_list.pk}", HTTP_ACCEPT="application/jose+json")
    assert dual["Content-Type"] == "application/jose+json" and len(dual.json()["signatures"]) == 2
    signed = dual.content.decode()
    for trusted in (("SM2",), ("ES256",), ("ES256", "SM2")):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(signing, "accepted", lambda algorithms=None, trusted=trusted: trusted)
            assert statuslist.read(signed, uri=uri, index=3, keys=cosign.public) == statuslist.VALID
    document = json.loads(signed)
    document["signatures"][0]["signature"] = _flip(document["signatures"][0]["signature"])
    with pytest.raises(sdjwt.SdJwtRejected, match="status_unavailable"):
        statuslist.read(json.dumps(document), uri=uri, index=3, keys=cosign.public)


# --- the dual-signed SD-JWT VC ------------------------------------------------------------------------------


def _dual(ring, *, exp=4102444800) -> dict:
    holder = ECKey.generate_key("P-256", auto_kid=False)
    claims = {"iss": "http://testserver", "iat": 1700000000, "exp": exp, "vct": "http://testserver/vct/driving_licence",
              "cnf": {"jwk": holder.as_dict(private=False)}}
    signers = [ring.signers["credentials"], ring.cosigners["credentials"]]
    return sdjwt.issue_json(claims, {"holder_name": "张三", "licence_class": "C1"}, signers=signers), holder


def test_a_dual_signed_sd_jwt_vc_verifies_with_sm2_alone_in_ours(cosign):
    document, holder = _dual(cosign)
    assert [json.loads(base64.urlsafe_b64decode(entry["protected"] + "=="))["alg"] for entry in document["signatures"]] == ["ES256", "SM2"]
    sm2_keys = {kid: key for kid, key in cosign.public.items() if key.alg == "SM2"}
    verified = sdjwt.verify_json(document, issuer_keys=sm2_keys, issuer="http://testserver", require_kb=False, algorithms=("SM2",))
    assert verified.disclosed == {"holder_name": "张三", "licence_class": "C1"} and verified.header["alg"] == "SM2"
    presented = sdjwt.present_json(document, ["holder_name"], holder_key=holder, nonce="n-1", audience="bank")
    checked = sdjwt.verify_json(json.dumps(presented), issuer_keys=sm2_keys, nonce="n-1", audience="bank", algorithms=("SM2",))
    assert checked.disclosed == {"holder_name": "张三"}
    # the ES256 signature, taken out as the compact form, is what a wallet verifies
    assert sdjwt.verify(sdjwt.to_compact(document), issuer_keys=cosign.public, require_kb=False).disclosed["licence_class"] == "C1"


def test_a_dual_signed_sd_jwt_vc_refuses_a_tampered_signature_its_verifier_trusts(cosign):
    document, _holder = _dual(cosign)
    forged = {**document, "signatures": [document["signatures"][0], {**document["signatures"][1], "signature": _flip(document["signatures"][1]["signature"])}]}
    with pytest.raises(sdjwt.SdJwtRejected, match="bad_signature"):
        sdjwt.verify_json(forged, issuer_keys=cosign.public, require_kb=False, algorithms=("SM2",))
    with pytest.raises(sdjwt.SdJwtRejected, match="bad_signature"):
        sdjwt.verify_json(forged, issuer_keys=cosign.public, require_kb=False, algorithms=("ES256", "SM2"))
    assert sdjwt.verify_json(forged, issuer_keys=cosign.public, require_kb=False, algorithms=("ES256",)).claims["holder_name"] == "张三"
    with pytest.raises(sdjwt.SdJwtRejected, match="malformed"):
        sdjwt.verify_json({"payload": document["payload"], "signatures": []}, issuer_keys=cosign.public, require_kb=False)

