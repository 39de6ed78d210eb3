"""SD-JWT (credentials/openid/sdjwt.py) at its edges: the exact second a credential or a key binding
stops being accepted, each malformed shape refused with its own reason, the decoy padding and salt
sizes RFC 9901 asks for, and what a holder's presentation carries. Written against the mutants
`make mutation` found surviving the flow tests (tests/credentials/test_openid4vc.py)."""

from __future__ import annotations

import hashlib
import json

import pytest
from joserfc.jwk import ECKey

from credentials.openid import sdjwt

ISSUER = "https://issuer.example"
NOW = 1_800_000_000


@pytest.fixture(autouse=True)
def signing_key():
    """None here: the credentials conftest makes a signing key in the database for every test; these need none."""


@pytest.fixture(scope="module")
def keys():
    issuer, holder = ECKey.generate_key("P-256"), ECKey.generate_key("P-256")
    return issuer, {"k1": ECKey.import_key(issuer.as_dict(private=False))}, holder


def _issue(keys, extra=None, disclosable=None, **options):
    issuer, _, holder = keys
    claims = {"iss": ISSUER, "vct": f"{ISSUER}/vct/x", "cnf": {"jwk": holder.as_dict(private=False)}, **(extra or {})}
    return sdjwt.issue(claims, disclosable if disclosable is not None else {"name": "张三", "class": "C1"}, key=issuer, kid="k1", **options)


def _shown(keys, token=None, *, names=("class",), iat=NOW, nonce="n", audience="a"):
    return sdjwt.present(token or _issue(keys), names, holder_key=keys[2], nonce=nonce, audience=audience, now=iat)


def _reason(token, keys, **options) -> str:
    with pytest.raises(sdjwt.SdJwtRejected) as refused:
        sdjwt.verify(token, **{"issuer_keys": keys[1], "nonce": "n", "audience": "a", "now": NOW, **options})
    return refused.value.reason


def _raw_jwt(header: dict, payload: dict, key: ECKey) -> str:
    from joserfc import jws

    return jws.serialize_compact(header, json.dumps(payload).encode(), key, algorithms=[header["alg"]])


# --- encoding -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 31, 32, 33])
def test_base64url_round_trips_every_padding(size):
    data = bytes(range(256))[:size]
    assert sdjwt.b64url_decode(sdjwt.b64url(data)) == data
    assert "=" not in sdjwt.b64url(data)


def test_only_padding_is_stripped_never_a_trailing_letter():
    assert sdjwt.b64url(b"\x00\x00\x17") == "AAAX" and sdjwt.b64url(b"\x00\x00\x3d") == "AAA9"
    assert sdjwt.b64url_decode("AAAX") == b"\x00\x00\x17"


def test_a_disclosure_is_salt_name_value_in_utf8_with_a_128_bit_salt():
    made = sdjwt.disclosure("name", "张三")
    raw = sdjwt.b64url_decode(made)
    salt, name, value = json.loads(raw)
    assert (name, value) == ("name", "张三")
    assert len(sdjwt.b64url_decode(salt)) == 16
    assert "张三".encode() in raw  # not \\u-escaped: the disclosure is as short as it can be
    assert sdjwt.disclosure("n", 1, salt="s") == sdjwt.b64url(b'["s", "n", 1]')


@pytest.mark.parametrize(("fields", "padded"), [(0, 4), (1, 4), (3, 4), (4, 8), (5, 8), (8, 12)])
def test_decoys_pad_the_digests_to_a_multiple_of_four_and_always_add_some(fields, padded):
    payload, made = sdjwt.conceal({"iss": ISSUER}, {f"f{i}": i for i in range(fields)})
    assert len(made) == fields
    assert len(payload["_sd"]) == padded
    assert payload["_sd"] == sorted(payload["_sd"])
    assert {sdjwt.digest(item) for item in made} <= set(payload["_sd"])
    assert all(len(sdjwt.b64url_decode(item)) == 32 for item in payload["_sd"])  # decoys look like SHA-256 digests
    assert payload["_sd_alg"] == "sha-256" and payload["iss"] == ISSUER


def test_without_decoys_only_the_disclosures_digests():
    payload, made = sdjwt.conceal({}, {"a": 1, "b": 2, "c": 3}, decoys=0)
    assert sorted(payload["_sd"]) == sorted(sdjwt.digest(item) for item in made)


def test_an_issued_token_names_its_key_and_type_and_ends_with_a_tilde(keys):
    token = _issue(keys, {"issuer_name": "山东省公安厅"})
    header = json.loads(sdjwt.b64url_decode(token.split(".")[0]))
    assert header == {"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}
    assert token.endswith("~") and token.count("~") == 3
    payload = token.split("~")[0].split(".")[1]
    assert sdjwt.b64url_decode(payload) == json.dumps(json.loads(sdjwt.b64url_decode(payload)), ensure_ascii=False, separators=(",", ":"),
                                                      sort_keys=True).encode()  # compact, sorted, UTF-8: the same claims sign the same way
    assert "山东省公安厅".encode() in sdjwt.b64url_decode(payload)


# --- splitting and presenting -----------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", "   ", "a.b.c", "~d~", "a.b.c~~d~", "a.b.c~d~~"])
def test_malformed_shapes_are_refused_before_any_signature_check(token):
    with pytest.raises(sdjwt.SdJwtRejected, match="^malformed$"):
        sdjwt.split(token)


def test_split_keeps_the_key_binding_apart():
    assert sdjwt.split(" a.b.c~d1~d2~ ") == sdjwt.Parts(jwt="a.b.c", disclosures=["d1", "d2"], kb_jwt=None)
    parts = sdjwt.split("a.b.c~d1~k.b.j")
    assert (parts.disclosures, parts.kb_jwt, parts.without_kb) == (["d1"], "k.b.j", "a.b.c~d1~")


@pytest.mark.parametrize("content", [["salt", "name"], ["salt", 1, "v"], [1, "name", "v"], {"a": 1}, "text", ["s", "n", "v", "x"]])
def test_only_three_element_object_property_disclosures_are_read(content):
    with pytest.raises(sdjwt.SdJwtRejected, match="^malformed_disclosure$"):
        sdjwt.decode_disclosure(sdjwt.b64url(json.dumps(content).encode()))


def test_a_disclosure_that_is_not_json_is_malformed():
    with pytest.raises(sdjwt.SdJwtRejected, match="^malformed_disclosure$"):
        sdjwt.decode_disclosure(sdjwt.b64url(b"\xff\xfe not json"))


def test_a_presentation_keeps_only_the_chosen_disclosures_and_binds_them(keys):
    token = _issue(keys)
    shown = _shown(keys, token, names=["class"])
    parts = sdjwt.split(shown)
    assert [sdjwt.decode_disclosure(item)[0] for item in parts.disclosures] == ["class"]
    kb_header = json.loads(sdjwt.b64url_decode(parts.kb_jwt.split(".")[0]))
    kb = json.loads(sdjwt.b64url_decode(parts.kb_jwt.split(".")[1]))
    assert kb_header == {"alg": "ES256", "typ": "kb+jwt"}
    assert kb == {"iat": NOW, "aud": "a", "nonce": "n", "sd_hash": sdjwt.b64url(hashlib.sha256(parts.without_kb.encode()).digest())}


def test_a_presentation_is_dated_now_unless_told(keys, monkeypatch):
    monkeypatch.setattr(sdjwt.time, "time", lambda: NOW + 0.7)
    kb = sdjwt.split(sdjwt.present(_issue(keys), ["class"], holder_key=keys[2], nonce="n", audience="a")).kb_jwt
    assert json.loads(sdjwt.b64url_decode(kb.split(".")[1]))["iat"] == NOW


# --- verifying: every refusal has its reason, every bound its exact second --------------------------


def test_a_good_presentation_gives_clear_claims_and_only_what_was_disclosed(keys):
    verified = sdjwt.verify(_shown(keys), issuer_keys=keys[1], issuer=ISSUER, nonce="n", audience="a", now=NOW)
    assert verified.disclosed == {"class": "C1"}
    assert verified.claims["class"] == "C1" and verified.claims["iss"] == ISSUER
    assert "_sd" not in verified.claims and "_sd_alg" not in verified.claims and "name" not in verified.claims
    assert verified.header["kid"] == "k1"


def test_verification_defaults_to_the_clock(keys, monkeypatch):
    token = _shown(keys, _issue(keys, {"exp": NOW + 10}))
    monkeypatch.setattr(sdjwt.time, "time", lambda: NOW)
    assert sdjwt.verify(token, issuer_keys=keys[1], nonce="n", audience="a").disclosed == {"class": "C1"}
    monkeypatch.setattr(sdjwt.time, "time", lambda: NOW + 10 + sdjwt.CLOCK_SKEW)
    assert _reason(token, keys, now=None) == "expired"


def test_the_old_media_type_is_still_read_and_others_are_not(keys):
    issuer = keys[0]
    for typ, accepted in [("vc+sd-jwt", True), ("dc+sd-jwt", True), ("JWT", False)]:
        token = _shown(keys, _issue(keys, typ=typ))
        if accepted:
            assert sdjwt.verify(token, issuer_keys=keys[1], nonce="n", audience="a", now=NOW).disclosed == {"class": "C1"}
        else:
            assert _reason(token, keys) == "malformed"
    assert issuer.is_private


@pytest.mark.parametrize("jwt", ["garbage", "a.b.c", "%%%.e30.sig"])
def test_a_jwt_whose_header_cannot_be_read_is_malformed(keys, jwt):
    assert _reason(jwt + "~", keys, require_kb=False) == "malformed"
    assert _reason(sdjwt.split(_shown(keys)).without_kb + jwt, keys) == "malformed"  # as the key binding


def test_another_algorithm_in_the_header_is_malformed(keys):
    jwt = _raw_jwt({"alg": "ES384", "kid": "k1", "typ": "dc+sd-jwt"}, {"iss": ISSUER}, ECKey.generate_key("P-384"))
    assert _reason(jwt + "~", keys, require_kb=False) == "malformed"


def test_an_unknown_key_a_bad_signature_and_another_issuer_are_refused(keys):
    token = _shown(keys)
    assert _reason(token, keys, issuer_keys={}) == "unknown_key"
    assert _reason(token, keys, issuer_keys={"k1": ECKey.generate_key("P-256")}) == "bad_signature"
    assert _reason(token, keys, issuer="https://other.example") == "unknown_issuer"
    assert sdjwt.verify(token, issuer_keys=keys[1], issuer=ISSUER, nonce="n", audience="a", now=NOW).disclosed == {"class": "C1"}


def test_a_payload_that_is_not_an_object_is_malformed(keys):
    jwt = _raw_jwt({"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}, ["not", "an", "object"], keys[0])
    assert _reason(jwt + "~", keys, require_kb=False) == "malformed"


def test_expiry_counts_clock_skew_to_the_second(keys):
    token = _shown(keys, _issue(keys, {"exp": NOW - sdjwt.CLOCK_SKEW}))
    assert _reason(token, keys) == "expired"
    fresh = _shown(keys, _issue(keys, {"exp": NOW - sdjwt.CLOCK_SKEW + 1}))
    assert sdjwt.verify(fresh, issuer_keys=keys[1], nonce="n", audience="a", now=NOW).disclosed == {"class": "C1"}
    assert sdjwt.verify(_shown(keys, _issue(keys, {"exp": "never"})), issuer_keys=keys[1], nonce="n", audience="a", now=NOW)


def test_not_before_counts_clock_skew_to_the_second(keys):
    early = _shown(keys, _issue(keys, {"nbf": NOW + sdjwt.CLOCK_SKEW + 1}))
    assert _reason(early, keys) == "not_yet_valid"
    just = _shown(keys, _issue(keys, {"nbf": NOW + sdjwt.CLOCK_SKEW}))
    assert sdjwt.verify(just, issuer_keys=keys[1], nonce="n", audience="a", now=NOW).disclosed == {"class": "C1"}


def test_digest_lists_that_cannot_be_trusted_are_refused(keys):
    issuer = keys[0]
    other_alg = _raw_jwt({"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}, {"_sd": [], "_sd_alg": "sha-512"}, issuer)
    assert _reason(other_alg + "~", keys, require_kb=False) == "unsupported_sd_alg"
    duplicate = _raw_jwt({"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}, {"_sd": ["x", "x"]}, issuer)
    assert _reason(duplicate + "~", keys, require_kb=False) == "malformed"
    not_a_list = _raw_jwt({"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}, {"_sd": "x"}, issuer)
    assert _reason(not_a_list + "~", keys, require_kb=False) == "malformed"
    no_digests = _raw_jwt({"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}, {"iss": ISSUER}, issuer)
    assert sdjwt.verify(no_digests + "~", issuer_keys=keys[1], require_kb=False, now=NOW).claims == {"iss": ISSUER}


def test_a_disclosure_may_not_shadow_a_clear_or_reserved_claim_or_come_twice(keys):
    issuer = keys[0]
    for name in ["iss", "cnf", "vct", "status", "_sd"]:
        item = sdjwt.disclosure(name, "x")
        jwt = _raw_jwt({"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}, {"_sd": [sdjwt.digest(item)]}, issuer)
        assert _reason(f"{jwt}~{item}~", keys, require_kb=False) == "malformed_disclosure", name
    clear = sdjwt.disclosure("class", "C2")
    jwt = _raw_jwt({"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}, {"class": "C1", "_sd": [sdjwt.digest(clear)]}, issuer)
    assert _reason(f"{jwt}~{clear}~", keys, require_kb=False) == "malformed_disclosure"
    first, second = sdjwt.disclosure("class", "C1", salt="a"), sdjwt.disclosure("class", "C2", salt="b")
    jwt = _raw_jwt({"alg": "ES256", "kid": "k1", "typ": "dc+sd-jwt"}, {"_sd": [sdjwt.digest(first), sdjwt.digest(second)]}, issuer)
    assert _reason(f"{jwt}~{first}~{second}~", keys, require_kb=False) == "malformed_disclosure"
    assert _reason(f"{jwt}~{first}~{first}~", keys, require_kb=False) == "unknown_disclosure"  # the same one twice


def test_without_a_required_key_binding_a_token_is_read_as_issued(keys):
    token = _issue(keys)
    assert _reason(token, keys) == "key_binding_missing"
    assert sdjwt.verify(token, issuer_keys=keys[1], require_kb=False, now=NOW).disclosed == {"name": "张三", "class": "C1"}


def test_the_holder_key_must_be_a_public_key_in_cnf(keys):
    assert _reason(_shown(keys, _issue(keys, {"cnf": {}})), keys) == "malformed"
    assert _reason(_shown(keys, _issue(keys, {"cnf": {"jwk": {"kty": "EC"}}})), keys) == "malformed"
    assert _reason(_shown(keys, _issue(keys, {"cnf": {"jwk": keys[2].as_dict(private=True)}})), keys) == "malformed"


def test_the_key_binding_must_be_a_kb_jwt_signed_es256_by_the_holder(keys):
    token = _issue(keys)
    kept = sdjwt.split(_shown(keys, token)).without_kb
    body = {"iat": NOW, "aud": "a", "nonce": "n", "sd_hash": sdjwt.b64url(hashlib.sha256(kept.encode()).digest())}
    assert _reason(kept + _raw_jwt({"alg": "ES256", "typ": "JWT"}, body, keys[2]), keys) == "key_binding_invalid"
    p384 = ECKey.generate_key("P-384")
    assert _reason(kept + _raw_jwt({"alg": "ES384", "typ": "kb+jwt"}, body, p384), keys) == "key_binding_invalid"
    assert _reason(kept + _raw_jwt({"alg": "ES256", "typ": "kb+jwt"}, body, ECKey.generate_key("P-256")), keys) == "key_binding_invalid"
    assert sdjwt.verify(kept + _raw_jwt({"alg": "ES256", "typ": "kb+jwt"}, body, keys[2]), issuer_keys=keys[1], nonce="n", audience="a", now=NOW)
    other = {**body, "sd_hash": sdjwt.b64url(hashlib.sha256(b"other").digest())}
    assert _reason(kept + _raw_jwt({"alg": "ES256", "typ": "kb+jwt"}, other, keys[2]), keys) == "key_binding_invalid"


def test_nonce_and_audience_are_checked_only_when_given(keys):
    token = _shown(keys, nonce="n1", audience="a1")
    assert _reason(token, keys, nonce="n2", audience="a1") == "wrong_nonce"
    assert _reason(token, keys, nonce="n1", audience="a2") == "wrong_audience"
    assert sdjwt.verify(token, issuer_keys=keys[1], nonce=None, audience=None, now=NOW).disclosed == {"class": "C1"}


def test_a_key_binding_is_fresh_for_five_minutes_and_a_minute_of_skew_to_the_second(keys):
    token = _issue(keys)
    assert _reason(_shown(keys, token, iat=NOW - sdjwt.KB_MAX_AGE - 1), keys) == "key_binding_stale"
    assert sdjwt.verify(_shown(keys, token, iat=NOW - sdjwt.KB_MAX_AGE), issuer_keys=keys[1], nonce="n", audience="a", now=NOW)
    assert _reason(_shown(keys, token, iat=NOW + sdjwt.CLOCK_SKEW + 1), keys) == "key_binding_stale"
    assert sdjwt.verify(_shown(keys, token, iat=NOW + sdjwt.CLOCK_SKEW), issuer_keys=keys[1], nonce="n", audience="a", now=NOW)
    kept = sdjwt.split(_shown(keys, token)).without_kb
    body = {"iat": "now", "aud": "a", "nonce": "n", "sd_hash": sdjwt.b64url(hashlib.sha256(kept.encode()).digest())}
    assert _reason(kept + _raw_jwt({"alg": "ES256", "typ": "kb+jwt"}, body, keys[2]), keys) == "key_binding_stale"
    assert (sdjwt.KB_MAX_AGE, sdjwt.CLOCK_SKEW) == (300, 60)
