"""What an OpenID4VP request says and how an answer is unwrapped (credentials/openid/oid4vp.py), without
a database: the registration check, the QR's `openid4vp://` URI with its parts quoted, the DCQL query
naming each field, the request object's claims, and the one presentation a `vp_token` may carry.
Written against the mutants `make mutation` found surviving the flow tests
(tests/credentials/test_openid4vc.py)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from credentials.models import CredentialType, PresentationRequest, RelyingParty
from credentials.openid import oid4vp, sdjwt

BASE = "https://qilu.example"


@pytest.fixture(autouse=True)
def signing_key():
    """None here: the credentials conftest makes a signing key in the database for every test; these need none."""


def _request(client_id="bank-1", fields=("holder_name", "licence_class")) -> PresentationRequest:
    party = RelyingParty(client_id=client_id, name="齐鲁银行", allowed={"driving_licence": ["holder_name", "licence_class"]})
    return PresentationRequest(id=uuid.UUID("12345678-1234-5678-1234-567812345678"), relying_party=party,
                               credential_type=CredentialType(code="driving_licence", name="机动车驾驶证"), fields=list(fields),
                               nonce="nonce-1", state="state-1", expires_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))


def test_asking_beyond_the_registration_names_exactly_the_extra_fields():
    party = _request().relying_party
    assert oid4vp.beyond_registration(party, "driving_licence", ["holder_name"]) == []
    assert oid4vp.beyond_registration(party, "driving_licence", ["photo", "holder_name", "address", "photo"]) == ["address", "photo"]
    assert oid4vp.beyond_registration(party, "id_card", ["holder_name", "b"]) == ["b", "holder_name"]  # a type it may not ask for at all


def test_the_qr_holds_the_request_by_reference_with_its_parts_quoted():
    request = _request(client_id="bank one&x")
    assert oid4vp.request_uri(request, BASE) == f"{BASE}/oid4vp/requests/12345678-1234-5678-1234-567812345678"
    assert oid4vp.wallet_uri(request, BASE) == ("openid4vp://?client_id=bank%20one%26x&request_uri="
                                                "https%3A%2F%2Fqilu.example%2Foid4vp%2Frequests%2F12345678-1234-5678-1234-567812345678")


def test_the_dcql_query_asks_one_credential_of_the_type_and_each_field():
    assert oid4vp.dcql_query(_request(), BASE) == {"credentials": [{
        "id": "credential", "format": "dc+sd-jwt", "meta": {"vct_values": [f"{BASE}/vct/driving_licence"]},
        "claims": [{"path": ["holder_name"]}, {"path": ["licence_class"]}],
    }]}


def test_the_request_object_says_who_asks_where_to_answer_and_until_when(monkeypatch):
    monkeypatch.setattr(oid4vp.time, "time", lambda: 1_800_000_000.9)
    claims = oid4vp.request_claims(_request(), BASE)
    assert claims == {
        "iss": "bank-1", "aud": "https://self-issued.me/v2", "client_id": "bank-1", "response_type": "vp_token",
        "response_mode": "direct_post", "response_uri": f"{BASE}/oid4vp/responses/12345678-1234-5678-1234-567812345678",
        "nonce": "nonce-1", "state": "state-1", "dcql_query": oid4vp.dcql_query(_request(), BASE), "iat": 1_800_000_000,
        "exp": int(dt.datetime(2027, 1, 1, tzinfo=dt.UTC).timestamp()),
    }
    assert "client_metadata" not in claims


@pytest.mark.parametrize("vp_token", [json.dumps({"credential": ["a.b.c~d~k"]}), json.dumps({"credential": "a.b.c~d~k"})])
def test_the_one_presentation_is_taken_from_the_query_id(vp_token):
    assert oid4vp._presentation_in(vp_token) == "a.b.c~d~k"


@pytest.mark.parametrize("vp_token", ["not json", json.dumps({"other": ["x"]}), json.dumps({"credential": ["x", "y"]}), json.dumps({"credential": []}),
                                      json.dumps({"credential": [5]}), json.dumps({"credential": {"a": 1}}), json.dumps(["credential"]), "null"])
def test_anything_else_is_malformed(vp_token):
    with pytest.raises(sdjwt.SdJwtRejected, match="^malformed$"):
        oid4vp._presentation_in(vp_token)


def test_the_register_of_refusals_and_wallet_errors():
    assert oid4vp.HOLDER_REFUSALS == {"missing_claim", "status_unavailable", "credential_suspended", "credential_revoked", "credential_superseded"}
    assert {"access_denied", "invalid_request", "vp_formats_not_supported", "wallet_unavailable"} <= oid4vp.WALLET_ERRORS
    assert (oid4vp.REQUEST_TTL, oid4vp.QUERY_ID, oid4vp.REQUEST_TYPE) == (300, "credential", "oauth-authz-req+jwt")
