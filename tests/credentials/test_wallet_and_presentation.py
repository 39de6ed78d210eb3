"""The wallet, showing (亮证) and verifying: selective disclosure, one-time use, expiry, status
changes at the very next check, other people's credentials (404), QR images, and "who checked"."""

import base64
import datetime as dt
import io
import json
import zlib
from unittest import mock

import cbor2
import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from credentials import selectors, signing
from credentials.models import Verification
from credentials.services import credential_set_status
from identity.models import AgentAuthorisation, AgentScope, AuditEvent, Notice, Organisation
from tests.factories import UserFactory, api_as

VERIFY = "/api/v1/verifications/"


def _present(api, credential, disclose=(), **params):
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    return api.post(f"/api/v1/wallet/{credential.identifier}/presentations/{query}", {"disclose": list(disclose)}, format="json")


def _cose(token: str) -> list:
    """The COSE_Sign1 array inside a ``QL1:`` code: Base45 → zlib → CBOR (tag 18)."""
    assert token.startswith("QL1:")
    raw = signing.base45_decode(token[4:])
    return cbor2.loads(zlib.decompress(raw) if raw[0] == 0x78 else raw).value


def _claims(token: str) -> dict:
    """The CWT's claims by name (RFC 8392 keys: 1 iss, 4 exp, 6 iat, 7 cti), read without verifying."""
    names = {1: "iss", 4: "exp", 6: "iat", 7: "cti"}
    return {names.get(key, key): value for key, value in cbor2.loads(_cose(token)[2]).items()}


def test_wallet_lists_and_opens_my_credentials_masked(citizen_api, licence, citizen):
    listed = citizen_api.get("/api/v1/wallet/").json()
    assert [c["identifier"] for c in listed] == [licence.identifier]
    opened = citizen_api.get(f"/api/v1/wallet/{licence.identifier}/").json()
    assert opened["holder_number"] == citizen.masked_id_number
    assert {"key": "licence_number", "label": "证号", "type": "id_number", "value": citizen.masked_id_number} in opened["fields"]
    assert citizen.id_number not in json.dumps(opened)
    card = citizen_api.get(opened["card_url"])
    assert card.status_code == 200 and card["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(card.content)).size == (1000, 630)


def test_hiding_keeps_the_credential_but_not_on_the_front_page(citizen_api, licence):
    assert citizen_api.patch(f"/api/v1/wallet/{licence.identifier}/", {"hidden": True}, format="json").json()["hidden"] is True
    assert citizen_api.get("/api/v1/wallet/").json() == []
    assert len(citizen_api.get("/api/v1/wallet/?include_hidden=1").json()) == 1


def test_another_persons_credential_is_not_found_anywhere(other_api, licence):
    base = f"/api/v1/wallet/{licence.identifier}/"
    assert other_api.get(base).status_code == 404
    assert other_api.get(base + "card.png").status_code == 404
    assert other_api.patch(base, {"hidden": True}, format="json").status_code == 404
    assert _present(other_api, licence).status_code == 404
    assert other_api.get("/api/v1/wallet/").json() == []


def test_organisation_licences_for_its_agent_only(db, citizen, other_citizen, business_licence):
    licence = business_licence
    organisation = Organisation.objects.get(credit_code=licence.holder_number)
    agent_api = APIClient()
    agent_api.force_authenticate(citizen)
    url = f"/api/v1/wallet/?organisation={organisation.credit_code}"
    assert agent_api.get(url).status_code == 404
    assert agent_api.get(f"/api/v1/wallet/{licence.identifier}/").status_code == 404
    AgentAuthorisation.objects.create(organisation=organisation, agent=citizen, scopes=[AgentScope.VIEW_CREDENTIALS],
                                      valid_until=timezone.now() + dt.timedelta(days=1),
                                      granted_by=other_citizen)
    assert [c["identifier"] for c in agent_api.get(url).json()] == [licence.identifier]
    # Viewing is not presenting: the agent needs the present scope for that.
    assert _present(agent_api, licence).status_code == 404
    rep_api = APIClient()
    rep_api.force_authenticate(other_citizen)
    assert _present(rep_api, licence).status_code == 201


def test_present_then_verify_shows_only_what_was_chosen(citizen_api, clerk_api, licence, citizen, clerk):
    shown = _present(citizen_api, licence, disclose=["licence_class"])
    assert shown.status_code == 201
    token = shown.json()["payload"]
    claims = _claims(token)
    assert claims["exp"] - claims["iat"] == 120
    # A signed reference: the code itself carries nothing about the holder, only which presentation it is.
    assert set(claims) == {"iss", "iat", "exp", "cti"} and claims["cti"] == bytes.fromhex(shown.json()["id"].replace("-", ""))

    verdict = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert verdict["valid"] is True and verdict["reason"] == "valid"
    assert verdict["credential"]["fields"] == {"licence_class": "C1", "licence_number": citizen.masked_id_number}
    assert {"key": "licence_class", "label": "准驾车型", "value": "C1"} in verdict["fields"]
    assert "370100123456" not in json.dumps(verdict) and citizen.id_number not in json.dumps(verdict)
    assert verdict["photo_url"] is None

    # The holder sees the check at once: in the list, the inbox and "who used my data".
    checks = citizen_api.get("/api/v1/wallet/checks/").json()["results"]
    assert checks[0]["service_hall"] == "历下区政务服务大厅" and checks[0]["verifier"] == clerk.masked_name and checks[0]["valid"]
    assert Notice.objects.filter(user=citizen, kind="credential_verified").exists()
    assert AuditEvent.objects.filter(subject=citizen, actor=clerk, action="credential_verified").exists()


def test_full_id_number_only_when_chosen(citizen_api, clerk_api, licence, citizen):
    token = _present(citizen_api, licence, disclose=["holder_number", "licence_number"]).json()["payload"]
    vc = clerk_api.post(VERIFY, {"payload": token}, format="json").json()["credential"]
    assert vc["holder_number"] == citizen.id_number and vc["fields"]["licence_number"] == citizen.id_number


def test_unknown_disclosure_is_refused(citizen_api, licence):
    response = _present(citizen_api, licence, disclose=["mother_maiden_name"])
    assert response.status_code == 400 and "disclose" in response.json()["errors"]


def test_replayed_presentation_is_already_used(citizen_api, clerk_api, licence):
    token = _present(citizen_api, licence).json()["payload"]
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["reason"] == "valid"
    again = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert again == {**again, "valid": False, "reason": "already_used", "credential": None}


def test_expired_presentation_is_rejected_even_if_unused(citizen_api, clerk_api, licence):
    token = _present(citizen_api, licence).json()["payload"]
    exp = _claims(token)["exp"]
    with mock.patch("time.time", return_value=exp + 1):
        verdict = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert (verdict["valid"], verdict["reason"]) == (False, "expired")
    assert Verification.objects.get().reason == "expired"  # logged, and the holder sees the attempt


@pytest.mark.parametrize(("status", "reason"), [("suspended", "credential_suspended"), ("revoked", "credential_revoked")])
def test_status_change_takes_effect_for_the_next_verification(citizen_api, clerk_api, licence, issuer, status, reason):
    token = _present(citizen_api, licence).json()["payload"]
    credential_set_status(actor=issuer[0], record_id="DL-1", status=status)
    verdict = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert (verdict["valid"], verdict["reason"]) == (False, reason)
    # and a suspended credential cannot be shown again
    assert _present(citizen_api, licence).status_code == 409


def test_tampered_and_garbage_payloads(citizen_api, clerk_api, licence):
    token = _present(citizen_api, licence, disclose=["licence_class"]).json()["payload"]
    protected, unprotected, payload, signature = _cose(token)
    claims = cbor2.loads(payload)
    claims[4] += 3600  # a code that would stay valid for an hour
    forged = "QL1:" + signing.base45_encode(cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims), signature])))
    assert clerk_api.post(VERIFY, {"payload": forged}, format="json").json()["reason"] == "bad_signature"
    assert clerk_api.post(VERIFY, {"payload": "hello"}, format="json").json()["reason"] == "malformed"
    assert clerk_api.post(VERIFY, {"payload": "QL1:" + "A" * 301}, format="json").json()["reason"] == "malformed"
    assert clerk_api.post(VERIFY, {"payload": ""}, format="json").status_code == 400
    # The genuine one still works afterwards: failed attempts do not burn it.
    assert clerk_api.post(VERIFY, {"payload": token}, format="json").json()["reason"] == "valid"


def test_only_clerks_verify_and_only_the_verifying_clerk_sees_the_photo(citizen_api, clerk_api, licence, clerk, db):
    from credentials.services import clean_photo

    licence.photo = clean_photo(base64.b64encode(_jpeg()).decode())
    licence.save()
    token = _present(citizen_api, licence, disclose=["photo"]).json()["payload"]
    assert citizen_api.post(VERIFY, {"payload": token}, format="json").status_code == 403
    verdict = clerk_api.post(VERIFY, {"payload": token}, format="json").json()
    assert verdict["valid"] and verdict["photo_url"]
    photo = clerk_api.get(verdict["photo_url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    other_clerk = api_as(UserFactory(roles=["clerk"]))
    assert other_clerk.get(verdict["photo_url"]).status_code == 404
    assert citizen_api.get(verdict["photo_url"]).status_code == 403


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 180, 160)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_qr_images_decode_back_to_the_exact_payload(citizen_api, licence, fmt):
    body = _present(citizen_api, licence, disclose=["licence_class", "first_issued"], qr=fmt).json()
    if fmt == "png":
        image = Image.open(io.BytesIO(base64.b64decode(body["qr_png"])))
    else:
        assert body["qr_svg"].startswith("<svg")
        image = _render_svg(body["qr_svg"])
    decoded = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # zxing can also "find" a 1D code in a QR
    assert [d.text for d in decoded] == [body["payload"]]


def _render_svg(svg: str) -> Image.Image:
    """Draw qrcode's SVG path (rectangles in mm units) with Pillow, so zxing can read it."""
    import re
    from xml.etree import ElementTree

    root = ElementTree.fromstring(svg)
    width = float(re.sub("[a-z]+", "", root.get("width")))
    path = next(el for el in root.iter() if el.tag.endswith("path")).get("d")
    scale = 10
    image = Image.new("L", (int(width * scale) + 1, int(width * scale) + 1), 255)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    for x1, y1, x2, y2 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)", path):
        x1, y1, x2, y2 = (round(float(v) * scale) for v in (x1, y1, x2, y2))
        draw.rectangle((x1, y1, x2 - 1, y2 - 1), fill=0)
    return image


def test_selector_for_other_apps(licence, citizen, issuer):
    found = selectors.valid_credential(holder_kind="person", holder_number=citizen.id_number, type_code="driving_licence")
    assert found == licence and found.fields["licence_class"] == "C1"
    credential_set_status(actor=issuer[0], record_id="DL-1", status="suspended")
    assert selectors.valid_credential(holder_kind="person", holder_number=citizen.id_number, type_code="driving_licence") is None


def test_personal_data_export_holds_my_credentials_and_is_audited(citizen_api, licence, citizen):
    response = citizen_api.get("/api/v1/me/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    document = json.loads(response.content)
    assert document["identity"]["id_number"] == citizen.id_number
    assert document["credentials"]["credentials"][0]["fields"]["file_number"] == "370100123456"
    assert AuditEvent.objects.filter(subject=citizen, action="data_exported").exists()


def test_notices_inbox(citizen_api, licence, citizen):
    notices = citizen_api.get("/api/v1/me/notices/?unread=1").json()["results"]
    assert notices and notices[0]["kind"] == "credential_issued"
    assert citizen_api.post(f"/api/v1/me/notices/{notices[0]['id']}/read/").json() == {"marked": 1}
    assert citizen_api.get("/api/v1/me/notices/?unread=1").json()["count"] == 0
