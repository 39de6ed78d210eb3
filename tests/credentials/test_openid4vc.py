"""SD-JWT VC issued over OpenID4VCI, presented over OpenID4VP with holder binding, withdrawn through a
Token Status List — driven by the reference holder (tests/credentials/wallet_holder.py)."""

from __future__ import annotations

import datetime as dt
import json
import zlib

import pytest
from django.test import Client
from joserfc.jwk import ECKey

from credentials import signing
from credentials.models import CredentialOffer, PresentationRequest, StatusSlot
from credentials.openid import sdjwt, statuslist
from credentials.openid.protocol import CORS
from credentials.services import credential_issue, credential_set_status
from identity.models import AuditEvent
from tests.credentials.wallet_holder import ReferenceHolder
from tests.factories import RelyingPartyFactory, UserFactory, api_as, issuer_client, licence_data

pytestmark = pytest.mark.django_db


# --- SD-JWT against RFC 9901's own examples -------------------------------------------------------

RFC_DISCLOSURES = [  # RFC 9901 §5.1 / §4.2.1: (disclosure as printed, its SHA-256 digest, what it holds)
    ("WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd", "jsu9yVulwQQlhFlM_3JlzMaSFzglhQG0DpfayQwLUK4", ("given_name", "John")),
    ("WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd", "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo", ("family_name", "Doe")),
    ("WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0", "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY", ("family_name", "Möbius")),
]


@pytest.mark.parametrize(("disclosure", "expected", "content"), RFC_DISCLOSURES)
def test_disclosure_digests_and_contents_match_rfc_9901(disclosure, expected, content):
    assert sdjwt.digest(disclosure) == expected
    assert sdjwt.decode_disclosure(disclosure) == content


def test_a_digest_is_of_the_disclosure_as_sent_not_of_a_re_encoding():
    """RFC 9901 §4.2.3: the same claim encoded with other whitespace is another disclosure."""
    same_claim = sdjwt.b64url(b'["6qMQvRL5haj","family_name","M\\u00f6bius"]')
    assert sdjwt.decode_disclosure(same_claim) == ("family_name", "Möbius")
    assert sdjwt.digest(same_claim) != RFC_DISCLOSURES[2][1]


def test_array_element_disclosures_are_refused_as_never_issued_here():
    assert sdjwt.digest("WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0") == "pFndjkZ_VCzmyTa6UjlZo3dh-ko8aIKQc9DlGzhaVYo"  # RFC §5.1
    with pytest.raises(sdjwt.SdJwtRejected, match="malformed_disclosure"):
        sdjwt.decode_disclosure("WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0")


def _issued(**fields):
    issuer, holder = ECKey.generate_key("P-256"), ECKey.generate_key("P-256")
    token = sdjwt.issue({"iss": "https://issuer.example", "vct": "https://issuer.example/vct/x", "cnf": {"jwk": holder.as_dict(private=False)}},
                        fields or {"name": "张三", "class": "C1", "number": "370102"}, key=issuer, kid="k1")
    return token, {"k1": ECKey.import_key(issuer.as_dict(private=False))}, holder


def test_a_presentation_discloses_only_what_the_holder_chose_and_binds_to_nonce_and_audience():
    token, keys, holder = _issued()
    shown = sdjwt.present(token, ["class"], holder_key=holder, nonce="n-1", audience="bank")
    verified = sdjwt.verify(shown, issuer_keys=keys, issuer="https://issuer.example", nonce="n-1", audience="bank")
    assert verified.disclosed == {"class": "C1"}
    assert "name" not in verified.claims and "_sd" not in verified.claims
    payload = json.loads(sdjwt.b64url_decode(token.split(".")[1]))
    assert len(payload["_sd"]) % 4 == 0 and len(payload["_sd"]) > 3  # padded with decoys, sorted
    for reason, kwargs in [("wrong_nonce", {"nonce": "n-2", "audience": "bank"}), ("wrong_audience", {"nonce": "n-1", "audience": "other"})]:
        with pytest.raises(sdjwt.SdJwtRejected, match=reason):
            sdjwt.verify(shown, issuer_keys=keys, issuer="https://issuer.example", **kwargs)


def test_tampered_presentations_are_refused():
    token, keys, holder = _issued()
    shown = sdjwt.present(token, ["class"], holder_key=holder, nonce="n", audience="a")
    jwt, disclosure, kb = shown.split("~")
    forged = sdjwt.disclosure("class", "A1")  # a value the issuer never signed
    cases = {
        "unknown_disclosure": f"{jwt}~{forged}~{kb}",
        "key_binding_invalid": f"{jwt}~{kb}",  # a disclosure dropped after the KB-JWT was signed: sd_hash no longer matches
        "key_binding_missing": f"{jwt}~{disclosure}~",
    }
    for reason, presented in cases.items():
        with pytest.raises(sdjwt.SdJwtRejected, match=reason):
            sdjwt.verify(presented, issuer_keys=keys, nonce="n", audience="a")
    stranger = ECKey.generate_key("P-256")
    stolen = sdjwt.present(token, ["class"], holder_key=stranger, nonce="n", audience="a")  # a copied credential without the device key
    with pytest.raises(sdjwt.SdJwtRejected, match="key_binding_invalid"):
        sdjwt.verify(stolen, issuer_keys=keys, nonce="n", audience="a")
    with pytest.raises(sdjwt.SdJwtRejected, match="unknown_key"):
        sdjwt.verify(shown, issuer_keys={}, nonce="n", audience="a")


def test_a_stale_key_binding_is_refused():
    token, keys, holder = _issued()
    shown = sdjwt.present(token, ["class"], holder_key=holder, nonce="n", audience="a", now=1_000_000)
    with pytest.raises(sdjwt.SdJwtRejected, match="key_binding_stale"):
        sdjwt.verify(shown, issuer_keys=keys, nonce="n", audience="a")


# --- Token Status List -----------------------------------------------------------------------------


def test_status_list_bits_match_the_drafts_examples():
    """draft-ietf-oauth-status-list §4.1: one bit [1,0,0,1,1,1,0,1, 1,1,0,0,0,1,0,1] is bytes B9 A3;
    two bits [1,2,0,3, 0,1,0,1, 1,2,3,3] are C9 44 F9 — least significant bits first."""
    one = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    assert zlib.decompress(statuslist.encode(dict(enumerate(one)), size=16, bits=1)) == bytes([0xB9, 0xA3])
    two = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]
    assert zlib.decompress(statuslist.encode(dict(enumerate(two)), size=12, bits=2)) == bytes([0xC9, 0x44, 0xF9])
    assert [statuslist.decode(sdjwt.b64url_decode("eNrbuRgAAhcBXQ"), i, bits=1) for i in range(16)] == one  # the draft's own lst
    assert [statuslist.decode(sdjwt.b64url_decode("eNo76fITAAPfAgc"), i, bits=2) for i in range(12)] == two


# --- issuing over OpenID4VCI ------------------------------------------------------------------------


@pytest.fixture
def holder_app(citizen):
    client = Client()
    client.force_login(citizen)
    return ReferenceHolder(client)


def _offer(citizen_api, licence):
    answer = citizen_api.post(f"/api/v1/wallet/{licence.identifier}/offers/?qr=svg")
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_metadata_documents_describe_the_issuer(client, licence):
    issuer = client.get("/.well-known/openid-credential-issuer").json()
    base = "http://testserver"
    assert issuer["credential_issuer"] == base and issuer["nonce_endpoint"] == f"{base}/oid4vci/nonce"
    config = issuer["credential_configurations_supported"]["driving_licence"]
    assert config["format"] == "dc+sd-jwt" and config["vct"] == f"{base}/vct/driving_licence"
    assert config["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == ["ES256"]
    server = client.get("/.well-known/oauth-authorization-server").json()
    assert server["code_challenge_methods_supported"] == ["S256"] and server["pre-authorized_grant_anonymous_access_supported"]
    keys = client.get("/.well-known/jwt-vc-issuer").json()
    assert keys["issuer"] == base and keys["jwks"] == signing.jwks(purposes=(signing.Purpose.CREDENTIALS, signing.Purpose.STATUS_LISTS))
    vct = client.get("/vct/driving_licence").json()
    assert vct["vct"] == config["vct"] and any(claim["path"] == ["licence_class"] and claim["sd"] == "always" for claim in vct["claims"])


def test_an_offer_gives_a_batch_of_unlinkable_copies_bound_to_device_keys(citizen, citizen_api, licence, client):
    offer = _offer(citizen_api, licence)
    assert offer["offer_url"].startswith("openid-credential-offer://?credential_offer=") and offer["qr_svg"].startswith("<")
    assert offer["tx_code"] not in offer["offer_url"]
    holder = ReferenceHolder(client)
    copies = holder.receive(offer["offer_url"], offer["tx_code"], count=3)
    claims = [copy.claims for copy in copies]
    assert len({json.dumps(item["cnf"]) for item in claims}) == 3  # one device key each
    assert len({item["status"]["status_list"]["idx"] for item in claims}) == 3  # one status slot each
    assert len({tuple(item["_sd"]) for item in claims}) == 3  # fresh salts: no shared digests
    assert claims[0]["iat"] % 3600 == 0 and "holder_name" not in claims[0]  # iat shared by the hour; fields only as digests
    slots = StatusSlot.objects.filter(credential=licence)
    assert slots.count() == 3 and {slot.holder_key for slot in slots} == {copy.key.thumbprint() for copy in copies}
    verified = sdjwt.verify(copies[0].token, issuer_keys=signing.keyring().public, issuer="http://testserver", require_kb=False)
    assert verified.disclosed["holder_name"] == citizen.name and verified.disclosed["licence_class"] == "C1"
    events = AuditEvent.objects.filter(subject=citizen, action__in=["wallet_offer", "wallet_issued"])
    assert {event.action for event in events} == {"wallet_offer", "wallet_issued"}


def test_an_offer_works_once_and_wrong_transaction_codes_end_it(citizen_api, licence, client):
    holder = ReferenceHolder(client)
    offer = _offer(citizen_api, licence)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for _attempt in range(5):
        assert holder.redeem_offer(offer["offer_url"], wrong)[1].json()["error"] == "invalid_grant"
    assert holder.redeem_offer(offer["offer_url"], offer["tx_code"])[1].status_code == 400  # ended by the fifth
    fresh = _offer(citizen_api, licence)
    assert holder.redeem_offer(fresh["offer_url"], fresh["tx_code"])[1].status_code == 200
    assert holder.redeem_offer(fresh["offer_url"], fresh["tx_code"])[1].json()["error"] == "invalid_grant"
    assert CredentialOffer.objects.filter(redeemed_at__isnull=False).count() == 1


def test_proofs_are_checked_and_a_nonce_works_once(citizen_api, licence, client):
    holder = ReferenceHolder(client)
    offer = _offer(citizen_api, licence)
    _offer_object, token = holder.redeem_offer(offer["offer_url"], offer["tx_code"])
    access = token.json()["access_token"]
    proofs, keys = holder.proofs(1)
    assert holder.fetch(access, "driving_licence", proofs=proofs, keys=keys).status_code == 200
    assert holder.fetch(access, "driving_licence", proofs=proofs, keys=keys).json()["error"] == "invalid_nonce"  # replayed proof
    assert holder.fetch(access, "driving_licence", proofs=holder.proofs(1, nonce="made-up")[0], keys=keys).json()["error"] == "invalid_nonce"
    proofs, keys = holder.proofs(1, audience="https://another.example")
    assert holder.fetch(access, "driving_licence", proofs=proofs, keys=keys).json()["error"] == "invalid_proof"
    assert holder.fetch(access, "driving_licence", count=6).json()["error"] == "invalid_credential_request"  # beyond the batch size
    assert holder.fetch(access, "resident_id", count=1).json()["error"] == "unknown_credential_configuration"
    assert holder.fetch("forged", "driving_licence", count=1).status_code == 401


def test_the_authorization_code_flow_with_pkce(citizen, licence, settings, django_capture_on_commit_callbacks):
    settings.QILU_WALLET_CLIENTS = {"test-wallet": ["https://wallet.example/cb"]}
    browser = Client()
    browser.force_login(citizen)
    holder = ReferenceHolder(Client())
    verifier, challenge = holder.pkce()
    params = {"response_type": "code", "client_id": "test-wallet", "redirect_uri": "https://wallet.example/cb", "scope": "driving_licence",
              "code_challenge": challenge, "code_challenge_method": "S256", "state": "s-1"}
    page = browser.get("/oid4vci/authorize", params)
    assert page.status_code == 200 and "机动车驾驶证" in page.content.decode()
    refused = browser.get("/oid4vci/authorize", {**params, "redirect_uri": "https://evil.example/cb"})
    assert refused.status_code == 400 and "请从齐鲁通或已登记的钱包应用发起" in refused.content.decode() and "爱山东" not in refused.content.decode()
    refused_en = browser.get("/oid4vci/authorize", {**params, "redirect_uri": "https://evil.example/cb"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Start from Qilu or a registered wallet app." in refused_en.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the code is usable once the grant is on record
        allowed = browser.post("/oid4vci/authorize", {**params, "decision": "allow"})
    assert allowed.status_code == 302 and allowed["Location"].startswith("https://wallet.example/cb?code=")
    code = allowed["Location"].split("code=")[1].split("&")[0]
    exchange = {"grant_type": "authorization_code", "code": code, "client_id": "test-wallet", "redirect_uri": "https://wallet.example/cb"}
    assert holder.http.post("/oid4vci/token", {**exchange, "code_verifier": "wrong"}).json()["error"] == "invalid_grant"
    with django_capture_on_commit_callbacks(execute=True):  # the wrong verifier spent that code; a new one
        allowed = browser.post("/oid4vci/authorize", {**params, "decision": "allow"})
    code = allowed["Location"].split("code=")[1].split("&")[0]
    token = holder.http.post("/oid4vci/token", {**exchange, "code": code, "code_verifier": verifier})
    assert token.status_code == 200, token.content
    assert holder.fetch(token.json()["access_token"], "driving_licence", count=1).status_code == 200
    assert holder.http.post("/oid4vci/token", {**exchange, "code": code, "code_verifier": verifier}).json()["error"] == "invalid_grant"
    declined = browser.post("/oid4vci/authorize", {**params, "decision": "deny"})
    assert "error=access_denied" in declined["Location"]


def test_the_app_scheme_redirect_is_allowed_for_the_registered_app(citizen, licence):
    browser = Client()
    browser.force_login(citizen)
    _verifier, challenge = ReferenceHolder.pkce()
    allowed = browser.post("/oid4vci/authorize", {"response_type": "code", "client_id": "qilu-app", "redirect_uri": "qilu://oid4vci/callback",
                                                  "scope": "driving_licence", "code_challenge": challenge, "code_challenge_method": "S256",
                                                  "decision": "allow"})
    assert allowed.status_code == 302 and allowed["Location"].startswith("qilu://oid4vci/callback?code=")


def test_the_consent_page_names_the_wallet_app_by_its_public_name_never_its_client_id(citizen, licence, settings):
    settings.QILU_WALLET_CLIENTS = {"jinan-wallet-7f3a": {"name": "泉城钱包", "name_en": "Spring City Wallet", "redirect_uris": ["https://wallet.example/cb"]},
                                    "bare-list-wallet": ["https://other.example/cb"]}
    browser = Client()
    browser.force_login(citizen)
    _verifier, challenge = ReferenceHolder.pkce()
    params = {"response_type": "code", "client_id": "jinan-wallet-7f3a", "redirect_uri": "https://wallet.example/cb", "scope": "driving_licence",
              "code_challenge": challenge, "code_challenge_method": "S256"}
    page = browser.get("/oid4vci/authorize", params, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = browser.get("/oid4vci/authorize", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    unnamed = browser.get("/oid4vci/authorize", {**params, "client_id": "bare-list-wallet", "redirect_uri": "https://other.example/cb"},
                          HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    shown = lambda html: html.split("<main", 1)[1].split('type="hidden"', 1)[0]  # noqa: E731  what is read, before the form's hidden echo
    assert "<strong>泉城钱包</strong>" in shown(page) and "jinan-wallet-7f3a" not in shown(page)
    assert "The wallet app <strong>Spring City Wallet</strong> asks" in shown(english)
    assert "<strong>已登记的钱包应用</strong>" in shown(unnamed) and "bare-list-wallet" not in shown(unnamed)


# --- presenting over OpenID4VP ----------------------------------------------------------------------


@pytest.fixture
def window(clerk):
    return RelyingPartyFactory(members=[clerk])


@pytest.fixture
def bank(db):
    client, token = issuer_client(name="齐鲁银行开户系统", scopes=())
    party = RelyingPartyFactory(client_id="qilu-bank", name="齐鲁银行", kind="third_party", organisation="齐鲁银行股份有限公司",
                                purpose="开户实名核验", allowed={"driving_licence": ["holder_name", "holder_number"]}, api_client=client)
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    return party, api


@pytest.fixture
def wallet(citizen_api, licence, client):
    holder = ReferenceHolder(client)
    offer = _offer(citizen_api, licence)
    holder.receive(offer["offer_url"], offer["tx_code"], count=2)
    return holder


def _ask(api, client_id="lixia-hall-window", fields=("holder_name", "licence_class")):
    answer = api.post("/api/v1/presentation-requests/?qr=svg", {"client_id": client_id, "credential_type": "driving_licence", "fields": list(fields)},
                      format="json")
    return answer


def test_a_window_asks_the_holder_answers_and_both_see_it(clerk_api, window, wallet, citizen, citizen_api):
    asked = _ask(clerk_api)
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["wallet_uri"].startswith("openid4vp://?client_id=lixia-hall-window&request_uri=") and body["qr_svg"].startswith("<")
    request = wallet.request(body["wallet_uri"])
    assert request["response_mode"] == "direct_post" and request["aud"] == "https://self-issued.me/v2"
    assert request["dcql_query"]["credentials"][0]["claims"] == [{"path": ["holder_name"]}, {"path": ["licence_class"]}]
    answered = wallet.respond(request, wallet.presentation(request))
    assert answered.status_code == 200, answered.content
    result = clerk_api.get(f"/api/v1/presentation-requests/{body['id']}/").json()
    assert result["status"] == "verified" and {row["key"]: row["value"] for row in result["disclosed"]} == {"holder_name": citizen.name, "licence_class": "C1"}
    shared = citizen_api.get("/api/v1/wallet/shared/").json()["results"]
    assert shared[0]["client_id"] == "lixia-hall-window" and shared[0]["purpose"] == "核对办事人身份与驾驶资格"
    assert shared[0]["fields"] == ["holder_name", "licence_class"]
    event = AuditEvent.objects.get(action="presentation_answered", subject=citizen)
    assert event.detail["valid"] and "历下区政务服务大厅窗口" in event.actor_description
    raw = PresentationRequest.objects.filter(pk=body["id"]).values_list("disclosed_json", flat=True).query
    from django.db import connection

    with connection.cursor() as cursor:  # the column as stored: ciphertext, not the disclosed name
        sql, params = raw.sql_with_params()
        cursor.execute(sql, params)
        assert citizen.name.encode() not in bytes(cursor.fetchone()[0])


def test_replayed_forwarded_and_altered_presentations_are_refused(clerk_api, window, wallet, bank, client):
    first = _ask(clerk_api).json()
    request = wallet.request(first["wallet_uri"])
    presentation = wallet.presentation(request)
    assert wallet.respond(request, presentation).status_code == 200
    replay = wallet.respond(request, presentation)
    assert replay.status_code == 400 and replay.json()["error_description"] == "replayed"

    second = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    assert wallet.respond(second, presentation).json()["error_description"] == "wrong_nonce"  # a screenshot of the last one

    party, bank_api = bank
    at_bank = wallet.request(_ask(bank_api, "qilu-bank", ["holder_name"]).json()["wallet_uri"])
    forwarded = wallet.presentation(at_bank, audience="lixia-hall-window")  # made for the window, sent on to the bank
    assert wallet.respond(at_bank, forwarded).json()["error_description"] == "wrong_audience"

    third = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    assert wallet.respond(third, wallet.presentation(third, names=["holder_name"])).json()["error_description"] == "missing_claim"
    fourth = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    jwt, *rest = wallet.presentation(fourth, names=["holder_name"]).split("~")
    claimed = "~".join([jwt, sdjwt.disclosure("licence_class", "A1"), *rest])  # a field claimed that the issuer never signed
    assert wallet.respond(fourth, claimed).json()["error_description"] == "unknown_disclosure"
    fifth = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    assert wallet.respond(fifth, wallet.presentation(fifth), state="other").json()["error_description"] == "wrong_state"
    # Only the holder's own answer closes a request (missing_claim: their device signed for it); the
    # rest could come from anyone who saw the QR and leave it open, counted.
    assert PresentationRequest.objects.filter(status="refused").count() == 1
    assert PresentationRequest.objects.filter(status="pending", attempts=1).count() == 3


def test_garbage_however_often_leaves_a_request_open_for_the_holder(clerk_api, window, wallet):
    request = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    for garbage in ["{}", json.dumps({"credential": ["a.b.c~"]})] * 3:
        assert wallet.http.post(request["response_uri"].replace("http://testserver", ""),
                                {"vp_token": garbage, "state": request["state"]}).json()["error_description"] == "malformed"
    for _try in range(3):  # a screenshot of an older presentation, three times
        assert wallet.respond(request, wallet.presentation(request, nonce="stale")).json()["error_description"] == "wrong_nonce"
    pending = clerk_api.get(f"/api/v1/presentation-requests/{PresentationRequest.objects.get().pk}/").json()
    assert pending["status"] == "pending" and pending["attempts"] == 9 and pending["reason"] == "wrong_nonce"
    assert AuditEvent.objects.filter(action="presentation_answered", detail__valid=False).count() == 9  # each attempt on record
    assert wallet.respond(request, wallet.presentation(request)).status_code == 200  # the holder still can
    assert PresentationRequest.objects.get().status == "verified"


@pytest.fixture
def bystander(other_citizen, client):
    """李四 at the next window with their own wallet, holding their own 居民身份证."""
    from tests.factories import CredentialTypeFactory

    id_type = CredentialTypeFactory(code="id_card", name="居民身份证", type_code="11100000000013338W001", validity_years=20,
                                    field_schema=[{"key": "address", "label": "住址", "type": "text", "required": False}])
    issuing, _token = issuer_client(name="公安厅身份证系统")
    id_type.issuers.add(issuing)
    card = credential_issue(actor=issuing, data={"type": "id_card", "record_id": "ID-2", "holder_number": other_citizen.id_number,
                                                 "holder_name": other_citizen.name, "fields": {"address": "济南市历下区"},
                                                 "issued_on": dt.date(2024, 1, 10)}).credential
    holder = ReferenceHolder(client)
    offer = _offer(api_as(other_citizen), card)
    holder.receive(offer["offer_url"], offer["tx_code"], count=1)
    return holder


def test_a_bystander_answering_with_their_own_id_card_leaves_the_request_open(clerk_api, window, wallet, bystander):
    """Another person scans the QR at the window and answers the driving-licence request with their
    own 居民身份证: their device signs for this very request, but it is not the asked type, so it is
    not the holder's answer: refused to them, counted, the request stays open for the holder."""
    asked = _ask(clerk_api).json()
    request = bystander.request(asked["wallet_uri"])
    answer = bystander.respond(request, bystander.presentation(request, names=["holder_name"]))
    assert answer.status_code == 400 and answer.json()["error_description"] == "wrong_type"
    pending = clerk_api.get(f"/api/v1/presentation-requests/{asked['id']}/").json()
    assert pending["status"] == "pending" and pending["attempts"] == 1 and pending["reason"] == "wrong_type"
    assert wallet.answer(asked["wallet_uri"]).status_code == 200  # the real holder still answers
    assert clerk_api.get(f"/api/v1/presentation-requests/{asked['id']}/").json()["status"] == "verified"


def test_the_holders_refusal_closes_the_request(clerk_api, window, wallet):
    """The holder's device signs for this request with a credential of the asked type but keeps back
    an asked field: that is the holder's answer (a refusal), and the request is closed."""
    asked = _ask(clerk_api).json()
    request = wallet.request(asked["wallet_uri"])
    assert wallet.respond(request, wallet.presentation(request, names=["holder_name"])).json()["error_description"] == "missing_claim"
    closed = clerk_api.get(f"/api/v1/presentation-requests/{asked['id']}/").json()
    assert closed["status"] == "refused" and closed["reason"] == "missing_claim"
    assert wallet.respond(request, wallet.presentation(request)).json()["error_description"] == "replayed"


@pytest.mark.parametrize(("status", "reason"), [("suspended", "credential_suspended"), ("revoked", "credential_revoked")])
def test_status_changes_reach_the_list_and_the_verifier(clerk_api, window, wallet, issuer, licence, status, reason, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        credential_set_status(actor=issuer[0], record_id=licence.issuer_record_id, status=status)
    request = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    assert wallet.respond(request, wallet.presentation(request)).json()["error_description"] == reason


def test_a_re_push_withdraws_the_copies_on_devices(clerk_api, window, wallet, issuer, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        credential_issue(actor=issuer[0], data=licence_data(citizen, fields={**licence_data(citizen)["fields"], "licence_class": "A1"}))
    request = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    assert wallet.respond(request, wallet.presentation(request)).json()["error_description"] == "credential_revoked"


def test_the_published_status_list_changes_with_the_credential(client, wallet, issuer, licence, django_capture_on_commit_callbacks):
    pointer = wallet.copies[0].claims["status"]["status_list"]
    path = pointer["uri"].replace("http://testserver", "")
    listed = client.get(path)
    assert listed["Content-Type"] == "application/statuslist+jwt" and listed["Cache-Control"] == f"public, max-age={statuslist.TTL}"
    keys = signing.keyring().public
    assert statuslist.read(listed.content.decode(), uri=pointer["uri"], index=pointer["idx"], keys=keys) == statuslist.VALID
    with django_capture_on_commit_callbacks(execute=True):
        credential_set_status(actor=issuer[0], record_id=licence.issuer_record_id, status="suspended")
    assert statuslist.read(client.get(path).content.decode(), uri=pointer["uri"], index=pointer["idx"], keys=keys) == statuslist.SUSPENDED
    other = wallet.copies[1].claims["status"]["status_list"]
    assert statuslist.read(client.get(path).content.decode(), uri=other["uri"], index=other["idx"], keys=keys) == statuslist.SUSPENDED
    assert client.get("/status-lists/999999").status_code == 404


def test_an_offline_verifier_needs_only_the_published_keys_and_a_cached_list(client, wallet, window, clerk_api, django_assert_num_queries):
    """With the JWKS and a status list fetched earlier, verifying costs no database query at all."""
    keys = signing.keys_from_jwks(client.get("/.well-known/jwks.json").json())
    pointer = wallet.copies[0].claims["status"]["status_list"]
    cached = client.get(pointer["uri"].replace("http://testserver", "")).content.decode()
    shown = sdjwt.present(wallet.copies[0].token, ["licence_class"], holder_key=wallet.copies[0].key, nonce="offline-1", audience="gate-7")
    with django_assert_num_queries(0):
        verified = sdjwt.verify(shown, issuer_keys=keys, issuer="http://testserver", nonce="offline-1", audience="gate-7")
        assert statuslist.read(cached, uri=pointer["uri"], index=pointer["idx"], keys=keys) == statuslist.VALID
    assert verified.disclosed == {"licence_class": "C1"}


# --- the verifier register ----------------------------------------------------------------------------


def test_a_relying_party_asking_beyond_its_registration_is_refused_before_anyone_sees_it(clerk_api, window, bank, driving_type):
    asked = _ask(clerk_api, fields=["holder_name", "holder_number"])
    assert asked.status_code == 403 and asked.json()["code"] == "beyond_registration" and "holder_number" in asked.json()["message"]
    _party, bank_api = bank
    assert _ask(bank_api, "qilu-bank", ["licence_class"]).json()["code"] == "beyond_registration"
    assert _ask(bank_api, "lixia-hall-window").status_code == 404  # a party it does not act for
    assert PresentationRequest.objects.count() == 0


def test_only_members_with_a_second_factor_may_ask_for_a_window(window, clerk, citizen_api, driving_type):
    assert _ask(citizen_api).json()["code"] == "second_factor_required"  # reading others' data needs a second factor, whoever asks
    stranger = api_as(UserFactory(roles=["clerk"]))
    assert _ask(stranger).status_code == 404
    from rest_framework.test import APIClient

    no_factor = APIClient()
    no_factor.force_authenticate(clerk)
    assert _ask(no_factor).json()["code"] == "second_factor_required"


def test_another_party_cannot_read_a_request(clerk_api, window, bank, driving_type):
    made = _ask(clerk_api).json()
    _party, bank_api = bank
    assert bank_api.get(f"/api/v1/presentation-requests/{made['id']}/").status_code == 404


def test_the_register_is_public_as_a_page_and_an_api(client, window, bank, driving_type):
    listed = client.get("/api/v1/relying-parties/").json()
    window_entry = next(item for item in listed if item["client_id"] == "lixia-hall-window")
    assert window_entry["purpose"] == "核对办事人身份与驾驶资格" and window_entry["kind"] == "window"
    assert window_entry["may_ask"] == [{"credential_type": "driving_licence", "name": "机动车驾驶证",
                                        "fields": [{"key": "holder_name", "label": "持证人"}, {"key": "licence_class", "label": "准驾车型"},
                                                   {"key": "expires_on", "label": "有效期至"}]}]
    page = client.get("/verifiers/").content.decode()
    assert "齐鲁银行" in page and "开户实名核验" in page and "准驾车型" in page


def test_an_organisations_licence_goes_to_a_wallet_of_whoever_may_present_it(db, citizen, other_citizen, client, business_licence):
    import datetime as dt

    from django.utils import timezone

    from identity.models import AgentAuthorisation, AgentScope, Organisation

    licence = business_licence
    organisation = Organisation.objects.get(credit_code=licence.holder_number)
    agent = api_as(citizen)
    assert agent.post(f"/api/v1/wallet/{licence.identifier}/offers/").status_code == 404  # not theirs to present
    AgentAuthorisation.objects.create(organisation=organisation, agent=citizen, scopes=[AgentScope.VIEW_CREDENTIALS],
                                      valid_until=timezone.now() + dt.timedelta(days=1), granted_by=other_citizen)
    assert agent.post(f"/api/v1/wallet/{licence.identifier}/offers/").status_code == 404  # viewing is not presenting
    offer = api_as(other_citizen).post(f"/api/v1/wallet/{licence.identifier}/offers/").json()
    copy, = ReferenceHolder(client).receive(offer["offer_url"], offer["tx_code"], count=1)
    verified = sdjwt.verify(copy.token, issuer_keys=signing.keyring().public, require_kb=False)
    assert verified.disclosed["holder_number"] == organisation.credit_code and verified.disclosed["company_type"] == "有限责任公司"
    assert AuditEvent.objects.filter(action="wallet_issued", subject_organisation=organisation).exists()


def test_disclosed_values_are_forgotten_an_hour_after_the_answer_and_old_offers_go(clerk_api, window, wallet, citizen_api, licence):
    import datetime as dt

    from django.utils import timezone

    from credentials.tasks import purge_presentations

    made = _ask(clerk_api).json()
    wallet.answer(made["wallet_uri"])
    _offer(citizen_api, licence)
    purge_presentations()
    assert clerk_api.get(f"/api/v1/presentation-requests/{made['id']}/").json()["disclosed"] != []
    PresentationRequest.objects.filter(pk=made["id"]).update(answered_at=timezone.now() - dt.timedelta(hours=2))
    CredentialOffer.objects.update(expires_at=timezone.now() - dt.timedelta(days=2))
    purge_presentations()
    answer = clerk_api.get(f"/api/v1/presentation-requests/{made['id']}/").json()
    assert answer["status"] == "verified" and answer["disclosed"] == [] and answer["fields"] == ["holder_name", "licence_class"]
    assert CredentialOffer.objects.count() == 0


def test_malformed_wallet_input_gets_a_clear_refusal_never_a_500(clerk_api, window, wallet, client, citizen_api, licence):
    """Whatever a wallet sends — truncated, forged, the wrong shapes — the protocol endpoints answer 4xx."""
    copy = wallet.copies[0]
    jwt = copy.token.split("~")[0]
    header, _payload, signature = jwt.split(".")
    rsa_cnf = sdjwt.b64url(json.dumps({**copy.claims, "cnf": {"jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}}}).encode())
    bad_tokens = ["", "{}", "[]", '{"credential": 5}', '{"credential": ["a", "b"]}', json.dumps({"credential": ["~"]}),
                  json.dumps({"credential": ["x.y.z~"]}), json.dumps({"credential": [f"{header}.{rsa_cnf}.{signature}~"]}),
                  json.dumps({"credential": [copy.token + "not-a-jwt"]}), json.dumps({"credential": [copy.token.replace("~", "~~")]}),
                  json.dumps({"credential": ["é" * 100]})]
    for vp_token in bad_tokens:
        request = wallet.request(_ask(clerk_api).json()["wallet_uri"])
        answer = client.post(request["response_uri"].replace("http://testserver", ""), {"vp_token": vp_token, "state": request["state"]})
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request", (vp_token, answer.content)
    for body in ["not json", "[]", json.dumps({"credential_configuration_id": 5}), json.dumps({"credential_configuration_id": "driving_licence",
                                                                                               "proofs": {"jwt": "one"}}),
                 json.dumps({"credential_configuration_id": "driving_licence", "proofs": {"jwt": ["a.b.c", 7]}})]:
        answer = client.post("/oid4vci/credential", body, content_type="application/json", HTTP_AUTHORIZATION="Bearer x")
        assert answer.status_code == 401
    offer = _offer(citizen_api, licence)
    _offer_object, token = ReferenceHolder(client).redeem_offer(offer["offer_url"], offer["tx_code"])
    access = token.json()["access_token"]
    for proofs in [["a.b.c"], ["é"], [jwt], "x"]:
        answer = client.post("/oid4vci/credential", json.dumps({"credential_configuration_id": "driving_licence", "proofs": {"jwt": proofs}}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {access}")
        assert answer.status_code == 400 and answer.json()["error"] in ("invalid_proof", "invalid_credential_request"), answer.content
    assert client.post("/oid4vci/token", {"grant_type": "password"}).json()["error"] == "unsupported_grant_type"
    assert client.get("/oid4vp/requests/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_registration_names_only_types_that_exist_and_claims_they_have(driving_type):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from credentials.claims import validate_allowed

    validate_allowed({"driving_licence": ["holder_name", "licence_class", "expires_on"]})
    with translation.override("en"):
        for allowed, message in [({"passport": ["holder_name"]}, "passport"), ({"driving_licence": ["blood_type"]}, "blood_type"),
                                 (["driving_licence"], "credential type code"), ({"driving_licence": "holder_name"}, "credential type code")]:
            with pytest.raises(ValidationError, match=message):
                validate_allowed(allowed)


def test_a_renewal_marks_the_old_copies_superseded_in_the_list_and_at_the_verifier(
        client, clerk_api, window, wallet, issuer, citizen, driving_type, django_capture_on_commit_callbacks):
    """换证: the copies on the device are of the old licence; the status list says 3 (superseded), and the
    verifier names it — not "revoked"."""
    import datetime as dt

    driving_type.single_per_holder = True
    driving_type.save()
    with django_capture_on_commit_callbacks(execute=True):
        credential_issue(actor=issuer[0], data=licence_data(citizen, record_id="DL-2", issued_on=dt.date(2026, 1, 10)))
    pointer = wallet.copies[0].claims["status"]["status_list"]
    listed = client.get(pointer["uri"].replace("http://testserver", "")).content.decode()
    assert statuslist.read(listed, uri=pointer["uri"], index=pointer["idx"], keys=signing.keyring().public) == statuslist.SUPERSEDED == 3
    request = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    answer = wallet.respond(request, wallet.presentation(request)).json()
    assert answer["error_description"] == "credential_superseded"
    refused = PresentationRequest.objects.get(nonce=request["nonce"])
    assert (refused.status, refused.reason) == ("refused", "credential_superseded")
    assert clerk_api.get(f"/api/v1/presentation-requests/{refused.pk}/").json()["reason_label"] == "已被新证替代"


def test_people_read_labels_and_public_names_not_claim_keys_or_client_ids(clerk, clerk_api, window, wallet, citizen):
    """The clerk's request console, the citizen's presentation log, their notice and their audit trail."""
    from identity.models import Notice
    from tests.factories import sign_in_with_second_factor

    body = _ask(clerk_api).json()
    request = wallet.request(body["wallet_uri"])
    staff = Client()
    sign_in_with_second_factor(staff, clerk)
    pending = staff.get(f"/verify/wallet/?request={body['id']}").content.decode()
    requested = pending.split('data-testid="requested-fields">')[1].split("</p>")[0]
    assert requested.startswith("请求的字段：持证人、准驾车型") and "holder_name" not in requested
    assert f'href="{body["wallet_uri"].replace("&", "&amp;")}"' in pending and "在本机钱包打开" in pending
    wallet.respond(request, wallet.presentation(request))

    holder = Client()
    holder.force_login(citizen)
    log = holder.get("/wallet/checks/").content.decode().split('data-testid="shared"')[1].split("</table>")[0]
    assert "持证人、准驾车型" in log and "holder_name" not in log and "lixia-hall-window" not in log
    assert Notice.objects.filter(user=citizen, kind="credential_presented").get().title.count("准驾车型") == 1
    assert "lixia-hall-window" not in AuditEvent.objects.get(action="presentation_answered", subject=citizen).actor_description


# --- OpenID4VCI 1.0's error codes ---------------------------------------------------------------------


def test_a_token_request_without_tx_code_is_invalid_request_and_uses_up_no_try(citizen_api, licence, client):
    """OpenID4VCI 1.0 §6.3: the server expects a transaction code and the client sends none →
    ``invalid_request``; a wrong one → ``invalid_grant``, counted (the fifth ends the offer)."""
    offer = _offer(citizen_api, licence)
    holder = ReferenceHolder(client)
    for _attempt in range(6):
        missing = holder.redeem_offer(offer["offer_url"], "")[1]
        assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for _attempt in range(4):
        assert holder.redeem_offer(offer["offer_url"], wrong)[1].json()["error"] == "invalid_grant"
    assert holder.redeem_offer(offer["offer_url"], offer["tx_code"])[1].status_code == 200  # four wrong tries: still open


def _access(citizen_api, licence, client) -> str:
    offer = _offer(citizen_api, licence)
    return ReferenceHolder(client).redeem_offer(offer["offer_url"], offer["tx_code"])[1].json()["access_token"]


def _ask_credential(client, access: str, body: dict):
    return client.post("/oid4vci/credential", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_credential_request_errors_are_the_ones_openid4vci_1_0_names(citizen_api, licence, client):
    """§8.3.1.2: a missing ``proofs`` and a proof without ``c_nonce`` are ``invalid_proof``; an unknown or
    spent nonce is ``invalid_nonce``; §8.2: ``credential_configuration_id`` and ``credential_identifier``
    together are ``invalid_credential_request`` (and nothing is issued)."""
    access = _access(citizen_api, licence, client)
    holder = ReferenceHolder(client)
    assert _ask_credential(client, access, {"credential_configuration_id": "driving_licence"}).json()["error"] == "invalid_proof"
    assert _ask_credential(client, access, {"credential_configuration_id": "driving_licence", "proofs": {}}).json()["error"] == "invalid_proof"
    no_nonce, _keys = holder.proofs(1, nonce="")
    answer = _ask_credential(client, access, {"credential_configuration_id": "driving_licence", "proofs": {"jwt": no_nonce}})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_proof"
    made_up, _keys = holder.proofs(1, nonce="made-up")
    assert _ask_credential(client, access, {"credential_configuration_id": "driving_licence", "proofs": {"jwt": made_up}}).json()["error"] == "invalid_nonce"
    proofs, _keys = holder.proofs(1)
    both = _ask_credential(client, access, {"credential_configuration_id": "driving_licence", "credential_identifier": licence.identifier,
                                            "proofs": {"jwt": proofs}})
    assert both.status_code == 400 and both.json()["error"] == "invalid_credential_request"
    assert StatusSlot.objects.count() == 0  # nothing was issued


# --- limits on what one party may create ---------------------------------------------------------------


def test_copies_per_access_token_are_limited(citizen_api, licence, client, settings):
    settings.QILU_CREATION_QUOTAS = {"credential_copies": [3, 3600]}
    access = _access(citizen_api, licence, client)
    holder = ReferenceHolder(client)
    assert holder.fetch(access, "driving_licence", count=3).status_code == 200
    refused = holder.fetch(access, "driving_licence", count=1)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0 and refused.json()["error"] == "too_many_requests"
    assert holder.fetch(_access(citizen_api, licence, client), "driving_licence", count=1).status_code == 200  # another token


def test_anonymous_nonces_per_address_are_limited(client, settings):
    settings.QILU_CREATION_QUOTAS = {"nonces": [5, 60]}
    for _nonce in range(5):
        assert client.post("/oid4vci/nonce", REMOTE_ADDR="203.0.113.7").status_code == 200
    refused = client.post("/oid4vci/nonce", REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.post("/oid4vci/nonce", REMOTE_ADDR="203.0.113.8").status_code == 200  # another address
    assert AuditEvent.objects.filter(action="wallet_offer", detail__flow="c_nonce").count() == 6


def test_presentations_per_person_are_limited(citizen_api, licence, settings):
    settings.QILU_CREATION_QUOTAS = {"presentations": [2, 60]}
    url = f"/api/v1/wallet/{licence.identifier}/presentations/"
    body = {"disclose": ["licence_class"]}
    assert [citizen_api.post(url, body, format="json").status_code for _ in range(2)] == [201, 201]
    refused = citizen_api.post(url, body, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0 and refused.json()["code"] == "too_many_requests"


# --- what a browser may read, and what an unknown well-known path answers -------------------------------


@pytest.mark.parametrize("path", ["/.well-known/openid-credential-issuer", "/.well-known/oauth-authorization-server", "/.well-known/jwt-vc-issuer",
                                  "/.well-known/jwks.json", "/vct/driving_licence", "/status-lists/{list}"])
def test_public_documents_are_readable_cross_origin(client, wallet, path):
    list_id = StatusSlot.objects.values_list("status_list_id", flat=True).first()
    url = path.format(list=list_id)
    read = client.get(url, HTTP_ORIGIN="https://verifier.example")
    assert read.status_code == 200 and read["Access-Control-Allow-Origin"] == "*", (url, read.status_code)
    assert {name: read[name] for name in CORS} == CORS  # one definition (protocol.CORS), the JWKS endpoint's included
    preflight = client.options(url, HTTP_ORIGIN="https://verifier.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight.status_code in (200, 204) and preflight["Access-Control-Allow-Origin"] == "*" and "GET" in preflight["Access-Control-Allow-Methods"]
    assert "Set-Cookie" not in read


def test_an_unknown_well_known_path_answers_json_404(client):
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-protected-resource", "/.well-known/a/b"]:
        answer = client.get(path, HTTP_ORIGIN="https://wallet.example")
        assert answer.status_code == 404 and answer["Content-Type"].startswith("application/json"), path
        assert answer.json()["error"] == "not_found" and answer["Access-Control-Allow-Origin"] == "*"
    assert client.get("/status-lists/999999").json()["error"] == "not_found"


def test_a_published_status_list_is_zlib_compressed(client, wallet):
    """Token Status List §4.1: ``lst`` is the byte array compressed with DEFLATE in the ZLIB format,
    then base64url: it inflates with zlib, and is far smaller than the raw bits of a whole list."""
    pointer = wallet.copies[0].claims["status"]["status_list"]
    token = client.get(pointer["uri"].replace("http://testserver", "")).content.decode()
    claims = json.loads(sdjwt.b64url_decode(token.split(".")[1]))
    compressed = sdjwt.b64url_decode(claims["status_list"]["lst"])
    assert compressed[:1] == b"\x78"  # a zlib header (CMF: deflate, 32K window)
    raw = zlib.decompress(compressed)
    assert len(raw) * 4 >= 2 and len(compressed) < len(raw) / 10


def test_request_objects_carry_no_client_metadata_and_the_register_names_their_key(clerk_api, window, wallet, client):
    """OpenID4VP 1.0 §5.9.2: a pre-registered verifier's metadata comes from its registration. The
    request object carries none; the public register says which key (kid) signs request objects, and
    that key signs nothing else."""
    request = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    assert "client_metadata" not in request and ":" not in request["client_id"]
    signed = client.get(f"/oid4vp/requests/{PresentationRequest.objects.get().pk}").content.decode()
    kid = json.loads(sdjwt.b64url_decode(signed.split(".")[0]))["kid"]
    entry = next(item for item in client.get("/api/v1/relying-parties/").json() if item["client_id"] == "lixia-hall-window")
    assert [key["kid"] for key in entry["metadata"]["jwks"]["keys"]] == [kid] and entry["metadata"]["request_object_signing_alg"] == "ES256"
    assert kid != signing.keyring().signing[0]  # not the credentials key
    issued = wallet.copies[0].token.split(".")[0]
    assert json.loads(sdjwt.b64url_decode(issued))["kid"] != kid


def test_a_wallets_error_response_is_recorded_and_leaves_the_request_open(clerk_api, window, wallet):
    """OpenID4VP 1.0 §8.2: the Response URI answers a processed Authorization Error Response with 200.
    ``access_denied`` may come from anyone who scanned the QR: recorded, counted, the request stays
    open, and the holder can still answer."""
    asked = _ask(clerk_api).json()
    request = wallet.request(asked["wallet_uri"])
    declined = wallet.http.post(request["response_uri"].replace("http://testserver", ""), {"error": "access_denied", "state": request["state"]})
    assert declined.status_code == 200 and declined.json() == {}
    pending = clerk_api.get(f"/api/v1/presentation-requests/{asked['id']}/").json()
    assert pending["status"] == "pending" and pending["reason"] == "access_denied" and pending["attempts"] == 1
    odd = wallet.http.post(request["response_uri"].replace("http://testserver", ""), {"error": "<script>", "state": request["state"]})
    assert odd.status_code == 200 and PresentationRequest.objects.get().reason == "wallet_error"
    assert wallet.respond(request, wallet.presentation(request)).status_code == 200
    assert clerk_api.get(f"/api/v1/presentation-requests/{asked['id']}/").json()["status"] == "verified"


DEEP = "[" * 5000 + "]" * 5000  # past Python's recursion limit: plain json.loads raises RecursionError (a 500)


def test_deeply_nested_json_from_a_wallet_gets_the_malformed_refusal_never_a_500(clerk_api, window, wallet, client, citizen, licence):
    """Every JSON a wallet chooses — a disclosure, a signed payload, a proof, a vp_token, a query
    parameter — is read by ``core.jsondepth.loads`` and refused like any other malformed input."""
    import time

    from joserfc import jws

    from credentials.openid import oid4vci
    from credentials.openid.protocol import OAuthError

    with pytest.raises(sdjwt.SdJwtRejected, match="malformed_disclosure"):
        sdjwt.decode_disclosure(sdjwt.b64url(DEEP.encode()))
    issuer = ECKey.generate_key("P-256")
    deep_vc = jws.serialize_compact({"alg": "ES256", "typ": sdjwt.VC_TYPE, "kid": "k1"}, DEEP.encode(), issuer) + "~"
    with pytest.raises(sdjwt.SdJwtRejected, match="bad_signature"):  # what an unreadable signed payload is refused as
        sdjwt.verify(deep_vc, issuer_keys={"k1": issuer}, require_kb=False)
    device = ECKey.generate_key("P-256")
    proof = jws.serialize_compact({"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": device.as_dict(private=False)}, DEEP.encode(), device)
    with pytest.raises(OAuthError) as refused:
        oid4vci._proof_key(proof, audience="https://issuer.example", now=time.time())
    assert refused.value.error == "invalid_proof"
    request = wallet.request(_ask(clerk_api).json()["wallet_uri"])
    answer = client.post(request["response_uri"].replace("http://testserver", ""), {"vp_token": DEEP, "state": request["state"]})
    assert answer.status_code == 400 and answer.json()["error_description"] == "malformed", answer.content
    browser = Client()
    browser.force_login(citizen)
    _verifier, challenge = ReferenceHolder.pkce()
    page = browser.get("/oid4vci/authorize", {"response_type": "code", "client_id": "qilu-app", "redirect_uri": "qilu://oid4vci/callback",
                                              "scope": "driving_licence", "code_challenge": challenge, "code_challenge_method": "S256",
                                              "authorization_details": DEEP})
    assert page.status_code == 200  # the unreadable details are ignored, as any malformed details are
