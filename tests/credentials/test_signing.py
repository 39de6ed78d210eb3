"""The signing service: envelope, keys, rotation, retirement, the published key set, and an
independent verifier (PyJWT) that uses nothing but the JSON from /.well-known/jwks.json."""

import base64
import json
import time
from io import StringIO
from unittest import mock

import jwt
import pytest
from django.core.management import call_command

from credentials import signing
from credentials.identifiers import ROOT, check_character, is_valid_identifier, make_identifier

KIND = "qilu-vp+jwt"


def reference_mod_37_36(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36 as written in NOTES.md, to check python-stdnum against."""
    p = 36
    for ch in body.replace(".", ""):
        p = (p + int(ch, 36)) % 36 or 36
        p = (2 * p) % 37
    return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(37 - p) % 36]


@pytest.mark.parametrize("body", ["0", "Z", "11370000MA00000114003.11370000MA00000114.0000000000000001.001", "A12425GABC1234002", "9" * 60])
def test_identifier_check_character_matches_the_reference(body):
    assert check_character(body) == reference_mod_37_36(body)


def test_identifiers_have_the_national_shape_and_validate():
    identifier = make_identifier(type_code="11370000MA00000114003", issuer_code="11370000MA00000114", serial="0000000000000042")
    assert identifier.startswith(ROOT + ".11370000MA00000114003.11370000MA00000114.0000000000000042.001.")
    assert is_valid_identifier(identifier)
    broken = identifier[:-1] + ("0" if identifier[-1] != "0" else "1")
    assert not is_valid_identifier(broken)
    assert not is_valid_identifier(identifier.replace(ROOT, "1.2.156.3005.9", 1))  # another root
    assert not is_valid_identifier(ROOT + ".")
    assert not is_valid_identifier(identifier + "0")  # a two-character check


def test_a_letter_check_character_validates_in_either_case():
    serial = next(f"{n:016d}" for n in range(100) if check_character(f"T.I.{n:016d}.001").isalpha())
    identifier = make_identifier(type_code="T", issuer_code="I", serial=serial)
    assert identifier[-1].isalpha() and is_valid_identifier(identifier) and is_valid_identifier(identifier[:-1] + identifier[-1].lower())


def test_serials_are_sixteen_random_digits():
    serials = [make_identifier(type_code="T", issuer_code="I").split(".")[-3] for _ in range(200)]
    assert all(len(serial) == 16 and serial.isdigit() for serial in serials)
    assert len(set(serials)) == 200 and len({serial[:8] for serial in serials}) > 150  # 10^16 values, not a handful


def test_round_trip_and_expiry_inside_the_signature(signing_key):
    token, claims = signing.sign({"jti": "n1", "x": "齐鲁"}, kind=KIND, ttl=60)
    assert signing.verify(token, kind=KIND)["x"] == "齐鲁"
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "kid": signing_key.kid, "typ": KIND}
    with mock.patch("time.time", return_value=claims["exp"]):
        with pytest.raises(signing.SignatureRejected) as rejected:
            signing.verify(token, kind=KIND)
    assert rejected.value.reason == "expired"


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["x"] = "forged"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (_tamper, "bad_signature"),
        (lambda t: t[:-6] + ("AAAAAA" if not t.endswith("AAAAAA") else "BBBBBB"), "bad_signature"),
        (lambda t: "not a token", "malformed"),
        (lambda t: "", "malformed"),
        (lambda t: t.replace(".", "", 1), "malformed"),
    ],
)
def test_tampered_or_garbled_tokens_are_rejected_with_their_reason(signing_key, mutate, reason):
    token, _claims = signing.sign({"jti": "n1", "x": "ok"}, kind=KIND, ttl=60)
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(mutate(token), kind=KIND)
    assert rejected.value.reason == reason


def test_a_health_pass_is_not_a_credential_presentation(signing_key):
    token, _claims = signing.sign({"jti": "n1"}, kind="qilu-hp+jwt", ttl=60)
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(token, kind=KIND)
    assert rejected.value.reason == "wrong_kind"


def test_a_key_we_never_had_is_unknown(signing_key, db):
    from joserfc import jws
    from joserfc.jwk import ECKey

    stranger = ECKey.generate_key("P-256", auto_kid=False)
    payload = json.dumps({"exp": int(time.time()) + 60, "jti": "n"}).encode()
    token = jws.serialize_compact({"alg": "ES256", "kid": stranger.thumbprint(), "typ": KIND}, payload, stranger)
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(token, kind=KIND)
    assert rejected.value.reason == "unknown_key"
    # The same key claiming our kid fails the signature check instead.
    token = jws.serialize_compact({"alg": "ES256", "kid": signing_key.kid, "typ": KIND}, payload, stranger)
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(token, kind=KIND)
    assert rejected.value.reason == "bad_signature"


def _published(client) -> set[str]:
    return {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]}


def test_rotation_keeps_old_tokens_verifiable_until_the_old_key_is_retired(signing_key, client, django_capture_on_commit_callbacks):
    others = _published(client) - {signing_key.kid}  # the other purposes' keys (status lists, request objects)
    old_token, _claims = signing.sign({"jti": "old"}, kind=KIND, ttl=300)
    with django_capture_on_commit_callbacks(execute=True):
        new_key = signing.key_create()
    new_token, _claims = signing.sign({"jti": "new"}, kind=KIND, ttl=300)
    assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new_key.kid
    assert signing.verify(old_token, kind=KIND)["jti"] == "old"
    assert _published(client) == {signing_key.kid, new_key.kid} | others

    with pytest.raises(ValueError):
        signing.key_retire(new_key.kid)  # the active key cannot be retired
    with django_capture_on_commit_callbacks(execute=True):
        signing.key_retire(signing_key.kid)
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(old_token, kind=KIND)
    assert rejected.value.reason == "retired_key"
    assert signing.verify(new_token, kind=KIND)["jti"] == "new"
    assert _published(client) == {new_key.kid} | others


def test_private_keys_are_encrypted_at_rest_and_never_published(signing_key, client, django_db_blocker):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM credentials_signingkey")
        (stored,) = cursor.fetchone()
    assert b"PRIVATE KEY" not in bytes(stored)
    response = client.get("/.well-known/jwks.json")
    assert response["Cache-Control"] == "public, max-age=300"
    assert all("d" not in key for key in response.json()["keys"])


def test_an_independent_library_verifies_with_only_the_published_jwks(signing_key, client):
    """PyJWT, not joserfc, with the key taken from the JSON the endpoint serves."""
    token, _claims = signing.sign({"jti": "n1", "vc": {"type": "driving_licence"}}, kind=KIND, ttl=60)
    document = json.loads(client.get("/.well-known/jwks.json").content)
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(document)[kid]
    claims = jwt.decode(token, key=key, algorithms=["ES256"], options={"verify_aud": False})
    assert claims["vc"] == {"type": "driving_licence"}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(_tamper(token), key=key, algorithms=["ES256"])


def test_offline_command_line_verifier(signing_key, client, tmp_path):
    token, _claims = signing.sign({"jti": "n1", "vc": {"type_name": "机动车驾驶证"}}, kind=KIND, ttl=60)
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_bytes(client.get("/.well-known/jwks.json").content)
    out = StringIO()
    call_command("verify_offline", token, "--jwks", str(jwks_file), stdout=out)
    assert out.getvalue().startswith("VALID credential presentation from CN-37")
    assert "机动车驾驶证" in out.getvalue()
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_offline", _tamper(token), "--jwks", str(jwks_file), stdout=out)
    assert exited.value.code == 2
    assert out.getvalue().strip() == "NOT VALID: bad_signature"


def test_signing_keys_command_rotates_and_retires(signing_key, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("signing_keys", "rotate", stdout=out)
        call_command("signing_keys", "retire", f"--kid={signing_key.kid}", stdout=out)  # a thumbprint kid may begin with "-"
    assert f"retired {signing_key.kid}" in out.getvalue()
    assert signing.keyring().retired == frozenset({signing_key.kid})


def test_without_an_active_key_showing_answers_503_not_500(db, citizen_api, licence):
    from credentials.models import SigningKey

    SigningKey.objects.update(status=SigningKey.Status.VERIFYING)
    signing.reset()
    response = citizen_api.post(f"/api/v1/wallet/{licence.identifier}/presentations/", {}, format="json")
    assert response.status_code == 503 and response.json()["code"] == "signing_unavailable"


def test_old_presentations_are_purged_but_checks_kept(citizen, clerk, licence):
    import datetime as dt

    from django.utils import timezone

    from credentials.models import Presentation, Verification
    from credentials.services import presentation_create, presentation_verify
    from credentials.tasks import purge_presentations

    shown = presentation_create(actor=citizen, credential=licence, disclose=[])
    presentation_verify(actor=clerk, token=shown.token)
    fresh = presentation_create(actor=citizen, credential=licence, disclose=[])
    Presentation.objects.filter(pk=shown.presentation.pk).update(expires_at=timezone.now() - dt.timedelta(days=2))
    assert purge_presentations() == 1
    assert list(Presentation.objects.values_list("pk", flat=True)) == [fresh.presentation.pk]
    assert Verification.objects.get().credential == licence


def test_a_key_set_yields_only_public_p256_keys_by_kid_or_thumbprint():
    from joserfc.jwk import ECKey as Key

    good, unnamed = Key.generate_key("P-256"), Key.generate_key("P-256")
    document = {"keys": [
        Key.generate_key("P-384").as_dict(private=False) | {"kid": "p384"},          # another curve
        good.as_dict(private=True) | {"kid": "leaked"},                              # a private key: never trusted
        {"kty": "RSA", "kid": "rsa", "n": "x", "e": "AQAB"},                         # another key type
        good.as_dict(private=False) | {"kid": "good"},
        unnamed.as_dict(private=False),                                              # no kid: found by thumbprint
    ]}
    keys = signing.keys_from_jwks(json.dumps(document))
    assert set(keys) == {"good", unnamed.thumbprint()}
    assert keys["good"].jwk()["x"] == good.as_dict(private=False)["x"]
    assert signing.keys_from_jwks({}) == {}


def test_the_published_key_set_names_each_key_for_signatures(signing_key):
    published = signing.jwks()["keys"]
    assert published and all(key["kid"] and key["alg"] == "ES256" and key["use"] == "sig" and "d" not in key for key in published)
    assert signing_key.kid in {key["kid"] for key in published}


def test_the_active_key_cannot_be_retired_and_a_retired_one_is_stamped(signing_key):
    with pytest.raises(ValueError, match="rotate to a new key before retiring the active one"):
        signing.key_retire(signing_key.kid)
    newer = signing.key_create()
    retired = signing.key_retire(signing_key.kid)
    assert retired.status == "retired" and retired.retired_at is not None and newer.status == "active"


def test_ensure_signing_key_creates_one_per_purpose_only_when_there_is_none(db):
    from credentials.models import SigningKey

    SigningKey.objects.all().delete()
    signing.ensure_signing_key()
    signing.ensure_signing_key()
    assert sorted(SigningKey.objects.filter(status="active").values_list("purpose", flat=True)) == sorted(signing.Purpose.values)


def test_each_purpose_signs_with_its_own_key_and_rotates_alone(signing_key, client, django_capture_on_commit_callbacks):
    """Credentials, status lists, request objects and access tokens: one key each, each its own kid;
    the keys verifiers need are published, the access tokens' are not; rotating one purpose leaves
    the others' keys signing; a token verifies only with a key of the purpose it must come from."""
    kid_of = lambda token: json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]  # noqa: E731
    signed = {purpose: signing.sign({"jti": purpose}, kind=KIND, ttl=60, purpose=purpose)[0] for purpose in signing.Purpose.values}
    kids = {purpose: kid_of(token) for purpose, token in signed.items()}
    assert len(set(kids.values())) == 4 and kids[signing.Purpose.CREDENTIALS] == signing_key.kid
    assert _published(client) == {kids[p] for p in signing.PUBLISHED} and kids[signing.Purpose.ACCESS_TOKENS] not in _published(client)
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(signed[signing.Purpose.CREDENTIALS], kind=KIND, purpose=signing.Purpose.ACCESS_TOKENS)
    assert rejected.value.reason == "unknown_key"
    assert signing.verify(signed[signing.Purpose.ACCESS_TOKENS], kind=KIND, purpose=signing.Purpose.ACCESS_TOKENS)["jti"] == "access_tokens"
    with django_capture_on_commit_callbacks(execute=True):
        rotated = signing.key_create(purpose=signing.Purpose.STATUS_LISTS)
    again = {purpose: kid_of(signing.sign({}, kind=KIND, ttl=60, purpose=purpose)[0]) for purpose in signing.Purpose.values}
    assert again == {**kids, signing.Purpose.STATUS_LISTS: rotated.kid}
    assert signing.verify(signed[signing.Purpose.STATUS_LISTS], kind=KIND)["jti"] == "status_lists"  # the old one still verifies


def test_a_rejection_carries_its_reason(signing_key):
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify("not.a.token", kind=KIND)
    assert str(rejected.value) == rejected.value.reason != ""


def _unsigned(header: dict, claims: dict) -> str:
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.{part('sig')}"


@pytest.mark.parametrize("token", ["", "not.a.token", "a.b", "齐鲁"])
def test_garbage_is_malformed(signing_key, token):
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(token, kind=KIND)
    assert rejected.value.reason == "malformed" and str(rejected.value) == "malformed" and rejected.value.claims == {}


@pytest.mark.parametrize("header", [{"alg": "HS256"}, {"alg": "none"}, {"alg": "ES256", "kid": 7}, {"alg": "ES256", "kid": None}])
def test_another_algorithm_or_a_missing_kid_is_refused_before_any_key_is_tried(signing_key, header):
    token = _unsigned({"kid": signing_key.kid, "typ": KIND, **header}, {"exp": int(time.time()) + 60})
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(token, kind=KIND)
    assert rejected.value.reason == "malformed"


def test_a_signed_payload_without_an_integer_expiry_is_refused(signing_key):
    key = signing.keyring().signing[1]
    for claims in ({"jti": "x"}, {"exp": "soon"}, ["not", "an", "object"]):
        token = signing.jws_compact({"typ": KIND}, json.dumps(claims).encode(), key)
        with pytest.raises(signing.SignatureRejected) as rejected:
            signing.verify(token, kind=KIND)
        assert rejected.value.reason == "malformed"


def test_rejections_after_the_signature_keep_the_claims_for_the_record(signing_key):
    token, claims = signing.sign({"jti": "n9"}, kind=KIND, ttl=60)
    with pytest.raises(signing.SignatureRejected) as wrong:
        signing.verify(token, kind="qilu-hp+jwt")
    assert (wrong.value.reason, wrong.value.claims["jti"]) == ("wrong_kind", "n9")
    with pytest.raises(signing.SignatureRejected) as late:
        signing.verify_with(token, kind=KIND, keys=signing.keyring().public, now=claims["exp"])
    assert (late.value.reason, late.value.claims["jti"]) == ("expired", "n9")
    assert signing.verify_with(token, kind=KIND, keys=signing.keyring().public, now=claims["exp"] - 1)["jti"] == "n9"


def test_the_payload_is_compact_sorted_utf8_json_so_the_qr_stays_small(signing_key):
    token, claims = signing.sign({"z": 1, "a": "齐鲁"}, kind=KIND, ttl=60)
    payload = base64.urlsafe_b64decode(token.split(".")[1] + "==")
    assert payload == json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    assert "齐鲁".encode() in payload


def test_without_a_signing_key_signing_answers_unavailable(db):
    from django.utils import translation

    from core.errors import Unavailable
    from credentials.models import SigningKey

    SigningKey.objects.all().delete()
    signing.reset()
    with translation.override("en"), pytest.raises(Unavailable) as refused:
        signing.sign({}, kind=KIND, ttl=60)
    assert (refused.value.code, str(refused.value)) == ("signing_unavailable", "Signing is not available right now. Please try again later.")


def test_a_new_key_is_published_with_its_thumbprint_as_kid(db):
    key = signing.key_create()
    assert key.public_jwk["kid"] == key.kid and key.public_jwk["alg"] == "ES256" and key.public_jwk["use"] == "sig" and "d" not in key.public_jwk
    assert key.status == "active"
    assert signing.key_create(activate=False).status == "verifying"


def test_the_key_ring_is_read_from_memory_and_reloaded_when_another_process_changes_keys(signing_key, django_assert_num_queries):
    """The hot path signs and verifies from memory; a key rotated by another process (which bumps a
    version stamp in the shared cache) is picked up within a second; anything else within a minute."""
    from django.core.cache import cache

    from credentials.models import SigningKey

    clock = [1000.0]
    with mock.patch("credentials.signing.time.monotonic", side_effect=lambda: clock[0]):
        signing.reset()
        first = signing.keyring()
        with django_assert_num_queries(0):
            clock[0] += 0.5
            assert signing.keyring() is first  # within a second: not even the cache is asked
            clock[0] += 1.0
            assert signing.keyring() is first  # the stamp is unchanged: no database read
        # Another process rotates: a new active key in the database and a new stamp in the cache.
        SigningKey.objects.filter(kid=signing_key.kid).update(status="verifying")
        newer = SigningKey.objects.create(kid="other-process", public_jwk=first.public[signing_key.kid].jwk(),
                                          private_key=SigningKey.objects.get(kid=signing_key.kid).private_key, status="active")
        cache.set(signing.RING_VERSION_KEY, 42, timeout=None)
        clock[0] += 0.5
        assert signing.keyring() is first  # not yet looked
        clock[0] += 1.0
        reloaded = signing.keyring()
        assert reloaded is not first and reloaded.signing[0] == newer.kid
        # With no stamp change at all, the ring is still reloaded once a minute.
        SigningKey.objects.filter(kid="other-process").update(status="retired")
        clock[0] += 30
        assert signing.keyring() is reloaded
        clock[0] += 31
        assert "other-process" in signing.keyring().retired


def test_a_signed_payload_that_is_not_json_is_malformed(signing_key):
    token = signing.jws_compact({"typ": KIND}, b"not json", signing.keyring().signing[1])
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(token, kind=KIND)
    assert rejected.value.reason == "malformed"



def test_a_token_read_once_verifies_as_its_text_does(signing_key):
    token, claims = signing.sign({"jti": "p1"}, kind=KIND, ttl=60)
    ring = signing.keyring()
    parsed = signing.parse_token(token)
    assert parsed.claims == signing.unverified_claims(token) == claims
    assert signing.verify_with(parsed, kind=KIND, keys=ring.public) == signing.verify_with(token, kind=KIND, keys=ring.public) == claims
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify_with(parsed, kind="qilu-hp+jwt", keys=ring.public)
    assert rejected.value.reason == "wrong_kind"
    head, body, signature = token.split(".")
    forged = signing.parse_token(f"{head}.{signing.b64url(json.dumps({**claims, 'jti': 'p2'}).encode())}.{signature}")
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify_with(forged, kind=KIND, keys=ring.public)
    assert rejected.value.reason == "bad_signature"
    for unreadable in ("", "a.b", "e30.WzFd.e30"):  # not a JWS; a payload that is a list, not a claims set
        with pytest.raises(ValueError):
            signing.parse_token(unreadable)

# --- compact QR payloads: COSE_Sign1 + CWT, zlib, Base45 ----------------------------------------

COMPACT = "qilu-vp+cwt"


@pytest.mark.parametrize(("raw", "text"), [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"ietf!", "QED8WEX0"), (b"", "")])
def test_base45_matches_rfc_9285(raw, text):
    assert signing.base45_encode(raw) == text and signing.base45_decode(text) == raw


@pytest.mark.parametrize("text", ["GGW", "A", "ab", "ZZZZ", "BB8GGW", "BB8BB8:::", "BB\x008", "BB8é", "BB8\U0001f600"])
# 65536 is out of range (alone, after a good group; 91124, the most three characters say); a dangling
# character; not the alphabet (lower case, a NUL, beyond ASCII)
def test_base45_refuses_what_rfc_9285_refuses(text):
    with pytest.raises(ValueError):
        signing.base45_decode(text)


def _base45_by_the_rfc(data: bytes) -> str:
    """RFC 9285 §4 as written: each pair of bytes n = a*256 + b is c + d*45 + e*45², written c d e; a last byte c d."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    out = ""
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += alphabet[n % 45] + alphabet[n // 45 % 45] + alphabet[n // 2025]
    if len(data) % 2:
        out += alphabet[data[-1] % 45] + alphabet[data[-1] // 45]
    return out


def test_base45_agrees_with_the_rfcs_arithmetic_on_every_length_and_every_group():
    import random

    chance = random.Random(45)
    samples = [bytes(chance.randrange(256) for _ in range(length)) for length in range(0, 300) for _ in range(3)]
    samples += [bytes([a, b]) for a in (0, 1, 7, 127, 128, 254, 255) for b in range(256)] + [b"\xff\xff" * 9, b"\x00" * 11]
    for raw in samples:
        text = _base45_by_the_rfc(raw)
        assert signing.base45_encode(raw) == text and signing.base45_decode(text) == raw
    for refused in ("GGW" + "000", "000" + "GGW", "00" + "GGW", "0", "000A", "ab", "00" + "ZZ", "0:" + "ZZ"):  # ranges, dangling, alphabet
        with pytest.raises(ValueError):
            signing.base45_decode(refused)
    assert signing.base45_decode("U5") == bytes([255])  # the largest last byte: 30 + 5 × 45


def test_compact_round_trip_is_alphanumeric_and_small(signing_key):
    text, claims = signing.sign_compact({"jti": "ab" * 16}, kind=COMPACT, ttl=120)
    assert text.startswith("QL1:") and set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert len(text) < 260  # a QR of version 8 at error correction M holds 221 alphanumeric characters… and 9, 259
    assert signing.verify_compact(text, kind=COMPACT) == {"iss": "CN-37", "iat": claims["iat"], "exp": claims["exp"], "jti": "ab" * 16}


def test_compact_rejections_name_their_reason(signing_key):
    text, claims = signing.sign_compact({"jti": "cd" * 16}, kind=COMPACT, ttl=60)
    for kind, now, reason in ((KIND, None, "wrong_kind"), (COMPACT, claims["exp"], "expired")):
        with pytest.raises(signing.SignatureRejected) as refused:
            signing.verify_compact_with(text, kind=kind, keys=signing.keyring().public, now=now)
        assert (refused.value.reason, refused.value.claims["jti"]) == (reason, "cd" * 16)
    with pytest.raises(signing.SignatureRejected, match="unknown_key"):
        signing.verify_compact_with(text, kind=COMPACT, keys={})
    with pytest.raises(signing.SignatureRejected, match="retired_key"):
        signing.verify_compact_with(text, kind=COMPACT, keys={}, retired=frozenset({signing_key.kid}))
    for garbage in ("QL1:", "QL1:%%%", "HC1:BB8", signing.sign({"jti": "x"}, kind=KIND, ttl=60)[0]):
        with pytest.raises(signing.SignatureRejected, match="malformed"):
            signing.verify_compact(garbage, kind=COMPACT)


def test_compact_verifies_with_the_published_keys_and_plain_cryptography(signing_key, client):
    """Not our verifier: cbor2 and cryptography with the key taken from /.well-known/jwks.json, as the
    EU DCC's verifiers do (Sig_structure of RFC 9052 §4.4, raw r‖s)."""
    import zlib

    import cbor2
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    text, _claims = signing.sign_compact({"jti": "ef" * 16}, kind=COMPACT, ttl=60)
    raw = signing.base45_decode(text.removeprefix("QL1:"))
    protected, _unprotected, payload, signature = cbor2.loads(zlib.decompress(raw) if raw[0] == 0x78 else raw).value
    header = cbor2.loads(protected)
    (jwk,) = [key for key in client.get("/.well-known/jwks.json").json()["keys"] if key["kid"] == signing_key.kid]
    assert header[1] == -7 and header[4] == base64.urlsafe_b64decode(jwk["kid"] + "=")[:8] and header[16] == COMPACT
    number = lambda part: int.from_bytes(base64.urlsafe_b64decode(jwk[part] + "="), "big")  # noqa: E731
    public = ec.EllipticCurvePublicNumbers(number("x"), number("y"), ec.SECP256R1()).public_key()
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    public.verify(der, cbor2.dumps(["Signature1", protected, b"", payload]), ec.ECDSA(hashes.SHA256()))
    assert cbor2.loads(payload)[7] == bytes.fromhex("ef" * 16)


def test_offline_command_line_verifier_reads_a_compact_code(signing_key, client, tmp_path):
    text, _claims = signing.sign_compact({"jti": "01" * 16}, kind=COMPACT, ttl=60)
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_bytes(client.get("/.well-known/jwks.json").content)
    out = StringIO()
    call_command("verify_offline", text, "--jwks", str(jwks_file), stdout=out)
    assert out.getvalue().startswith("VALID credential presentation from CN-37") and "01" * 16 in out.getvalue()
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_offline", text[:-3] + ("AAA" if text[-3:] != "AAA" else "BBB"), "--jwks", str(jwks_file), stdout=out)
    assert out.getvalue().startswith("NOT VALID")


@pytest.mark.django_db(transaction=True)
def test_the_key_per_purpose_migration_goes_back_to_one_active_key(signing_key, migrated_back_and_forth):
    """Going back before 0011 leaves the credentials key active and the others verifying (the old
    one-active-key constraint holds); forward again, every old key is a credentials key, one active
    (``signing_keys ensure`` then makes the other purposes' keys)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from credentials.models import SigningKey

    executor = MigrationExecutor(connection)
    executor.migrate([("credentials", "0010_relying_party_help")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT kid FROM credentials_signingkey WHERE status = 'active'")
        assert [row[0] for row in cursor.fetchall()] == [signing_key.kid]
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("credentials"))
    assert SigningKey.objects.get(status="active").kid == signing_key.kid
    assert set(SigningKey.objects.values_list("purpose", flat=True)) == {"credentials"}


def test_a_signed_payload_nested_too_deep_is_malformed_not_a_recursion_error(signing_key):
    """``core.jsondepth.loads`` reads the payload: 5,000 nested arrays are refused as malformed, never a 500."""
    deep = ("[" * 5000 + "]" * 5000).encode()
    token = signing.jws_compact({"typ": KIND}, deep, signing.keyring().signing[1])
    with pytest.raises(signing.SignatureRejected) as rejected:
        signing.verify(token, kind=KIND)
    assert rejected.value.reason == "malformed"


@pytest.mark.parametrize("size", [0, 1, 23, 24, 255, 256, 65535, 65536])
def test_the_cose_sig_structure_is_what_cbor_writes_at_every_head_size(size):
    """The Sig_structure is put together from byte-string heads: the same bytes as cbor2's encoding of
    ``["Signature1", protected, b"", payload]`` on each side of every head-size boundary."""
    import cbor2

    protected, payload = bytes(range(256))[: size % 200], bytes(size)
    assert signing._sig_structure(protected, payload) == cbor2.dumps(["Signature1", protected, b"", payload])
    assert signing._sig_structure(payload, protected) == cbor2.dumps(["Signature1", payload, b"", protected])


def test_a_compact_code_by_a_key_retired_after_the_ring_indexed_its_keys_is_refused(signing_key, django_capture_on_commit_callbacks):
    """``verify_compact`` looks keys up in the ring's index, made once per ring: retiring the key
    reloads the ring, and the next scan of a code it signed says ``retired_key``."""
    text, _claims = signing.sign_compact({"jti": "ef" * 16}, kind=COMPACT, ttl=60)
    assert signing.verify_compact(text, kind=COMPACT)["jti"] == "ef" * 16  # the ring's index made
    with django_capture_on_commit_callbacks(execute=True):
        signing.key_create()
        signing.key_retire(signing_key.kid)
    with pytest.raises(signing.SignatureRejected, match="retired_key"):
        signing.verify_compact(text, kind=COMPACT)
