"""Two checks a real wallet or a browser makes, written against the published documents only and run
by Node with panva's jose (clients/typescript/interop/openid4vc.mjs), never with our code:

- a wallet's rule for a pre-registered verifier (OpenID4VP 1.0 §5.9.2: without a Client Identifier
  Prefix the verifier's metadata is known in advance, "using RFC 7591 or through out-of-band
  mechanisms"): as walt.id's wallet does (``PreRegistered.authenticatePreRegistered``), the metadata
  and the request-object keys come from the registration and the request object must verify with one
  of them by ``kid``; as SIOPv2-era wallets do for a pre-registered RP, a request that carries its own
  ``client_metadata`` is refused;
- a browser's CORS check: a page on another origin reads our metadata, keys, type metadata and status
  lists (preflight, then GET with ``Origin``, readable only with ``Access-Control-Allow-Origin``)."""

from __future__ import annotations

import pytest

from credentials.openid import oid4vp
from tests.factories import RelyingPartyFactory, licence_world
from tests.interop.test_openid4vc_npm import node

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def asked(live_server):
    _citizen, clerk, _licence, _client = licence_world("13800000231", "13800000232")
    RelyingPartyFactory(members=[clerk])
    request = oid4vp.request_create(actor=clerk, client_id="lixia-hall-window", type_code="driving_licence", fields=["holder_name"])
    return live_server.url, oid4vp.wallet_uri(request, live_server.url)


def test_a_wallet_accepts_our_request_object_for_a_pre_registered_verifier(asked):
    base, uri = asked
    checked = node("check-request", f"{base}/api/v1/relying-parties/", uri)
    assert checked["ok"] and checked["alg"] == "ES256" and checked["client_name"], checked


def test_the_same_wallet_refuses_client_metadata_from_a_pre_registered_verifier(asked, monkeypatch):
    """The control: the check does refuse what 1.0 forbids (the request object before this change)."""
    base, uri = asked
    plain = oid4vp.request_claims
    monkeypatch.setattr(oid4vp, "request_claims", lambda request, base: {**plain(request, base), "client_metadata": {"client_name": "x"}})
    refused = node("check-request", f"{base}/api/v1/relying-parties/", uri, expect_ok=False)
    assert refused == {"ok": False, "error": "client_metadata_not_allowed_for_pre_registered"}


def test_a_browser_on_another_origin_reads_our_public_documents(live_server):
    licence_world("13800000233", "13800000234")
    base = live_server.url
    paths = ["/.well-known/openid-credential-issuer", "/.well-known/oauth-authorization-server", "/.well-known/jwt-vc-issuer",
             "/.well-known/jwks.json", "/vct/driving_licence"]
    read = node("cors", "https://verifier.example", *[base + path for path in paths])
    assert read["readable"], read
    unknown = node("cors", "https://verifier.example", f"{base}/.well-known/openid-configuration")["results"][0]
    assert unknown["status"] == 404 and unknown["allow_origin"] == "*"  # a JSON 404 the page can read
    closed = node("cors", "https://verifier.example", f"{base}/healthz")  # the control: a private page stays unreadable
    assert not closed["readable"]
