"""Every reader of a request body is bounded before it runs: JSON nested deeper than the kernel's limit
answers 400 ``json_too_deep`` on every path that parses JSON (DRF, allauth's headless sign-in and
sign-up, the OpenID4VCI and OpenID4VP endpoints, the payment notification), and a body over the size
limit answers a JSON 413 ``request_too_large`` on every API path — never a 500, an HTML page or a reset."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client, override_settings

from core import jsondepth
from credentials.models import PresentationRequest
from tests.factories import CredentialTypeFactory, RelyingPartyFactory, ServiceHallFactory, UserFactory, api_as, fresh_signing_key

pytestmark = pytest.mark.django_db

DEEP = "[" * 10_000 + "]" * 10_000

JSON_BODY_PATHS = [
    "/api/v1/applications/",
    "/_allauth/app/v1/auth/login",
    "/_allauth/app/v1/auth/signup",
    "/_allauth/browser/v1/auth/login",
    "/_allauth/browser/v1/auth/signup",
    "/oid4vci/credential",
    "/oid4vp/responses/00000000-0000-0000-0000-000000000000",
    "/api/v1/payments/notify/",
]


def _code(response) -> str:
    body = response.json()
    return body["errors"][0]["code"] if "status" in body and isinstance(body.get("errors"), list) else body["code"]


@pytest.mark.parametrize("path", JSON_BODY_PATHS)
def test_ten_thousand_deep_json_is_a_400_on_every_reader(path):
    response = Client(enforce_csrf_checks=False).post(path, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert _code(response) == "json_too_deep"


def test_deep_json_without_a_json_content_type_is_refused_too():
    """allauth and the OpenID4VCI credential endpoint parse the body whatever its content type."""
    response = Client().post("/_allauth/app/v1/auth/login", DEEP, content_type="text/plain")
    assert response.status_code == 400 and _code(response) == "json_too_deep"


def test_json_at_the_limit_still_reads():
    nested = "[" * jsondepth.MAX_DEPTH + "]" * jsondepth.MAX_DEPTH
    assert not jsondepth.too_deep(nested) and jsondepth.too_deep("[" + nested + "]")
    assert not jsondepth.too_deep('{"a": "' + "[" * 500 + '"}'), "brackets inside a string do not nest"
    assert not jsondepth.too_deep('["\\"' + "[" * 500 + '"]'), "an escaped quote does not end the string"
    with pytest.raises(ValueError):
        jsondepth.loads(DEEP)


def test_the_api_parser_refuses_deep_json_itself():
    """Without the request guard in front (a view called directly, a worker parsing a stored body)."""
    import io

    from rest_framework.exceptions import ParseError

    from core.parsers import JSONParser

    with pytest.raises(ParseError) as refused:
        JSONParser().parse(io.BytesIO(DEEP.encode()), "application/json", {})
    assert refused.value.get_codes() == "json_too_deep"


@pytest.fixture
def open_request(db):
    """A hall window's OpenID4VP request, waiting for a wallet's ``direct_post``."""
    fresh_signing_key()
    CredentialTypeFactory()
    clerk = UserFactory(name="赵敏", roles=["clerk"], service_hall=ServiceHallFactory(name="历下区政务服务大厅"))
    RelyingPartyFactory(members=[clerk])
    asked = api_as(clerk).post("/api/v1/presentation-requests/", {"client_id": "lixia-hall-window", "credential_type": "driving_licence",
                                                                  "fields": ["holder_name"]}, format="json")
    assert asked.status_code == 201, asked.content
    return PresentationRequest.objects.get(pk=asked.json()["id"])


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("vp_token", [
    DEEP,  # the form field itself
    json.dumps({"credential": [f"{_b64(DEEP)}.{_b64('{}')}.c2ln~"]}),  # a presentation whose JWT header nests deep
    json.dumps({"credential": [f"{_b64(json.dumps({'alg': 'ES256'}))}.{_b64(DEEP)}.c2ln~"]}),  # … whose payload does
])
def test_a_direct_post_nesting_deep_json_in_its_fields_is_a_400(open_request, vp_token):
    response = Client().post(f"/oid4vp/responses/{open_request.pk}", {"vp_token": vp_token, "state": open_request.state})
    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"] == "invalid_request"


# --- size ---------------------------------------------------------------------------------------

SIZED_PATHS = ["/api/v1/applications/", "/_allauth/app/v1/auth/login", "/oid4vci/credential", "/oid4vci/token",
               "/oid4vp/responses/00000000-0000-0000-0000-000000000000", "/api/v1/payments/notify/", "/.well-known/openid-credential-issuer"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
@pytest.mark.parametrize("path", SIZED_PATHS)
def test_an_oversized_json_body_answers_json_413(path):
    response = Client().post(path, json.dumps({"x": "a" * 5000}), content_type="application/json")
    assert response.status_code == 413, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert _code(response) == "request_too_large"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
@pytest.mark.parametrize("path", ["/oid4vci/token", "/oid4vp/responses/00000000-0000-0000-0000-000000000000"])
def test_an_oversized_form_body_answers_json_413_on_the_protocol_endpoints(path):
    response = Client().post(path, {"vp_token": "a" * 5000, "grant_type": "x"})
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert response.json()["error"] == "invalid_request"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_an_oversized_portal_form_is_a_413_page():
    response = Client().post("/accounts/password/reset/", {"login": "a" * 5000})
    assert response.status_code == 413 and response["Content-Type"].startswith("text/html")


# --- numbers a page expects -------------------------------------------------------------------------


def test_a_rectification_case_that_is_not_a_number_is_not_found_not_a_500(client):
    from identity.models import Department
    from tests.factories import UserFactory, sign_in_with_second_factor

    reviewer = UserFactory(roles=["reviewer"], department=Department.objects.get_or_create(code="SD-GAT", defaults={"name": "公安厅"})[0])
    sign_in_with_second_factor(client, reviewer)
    response = client.post("/services/rectifications/", {"case": "abc", "step": "callback", "note": "x"})
    assert response.status_code == 404


def test_a_bundle_application_that_is_not_mine_is_the_404_page(client, citizen):
    """The portal's 一件事 page answered 500 for a number that was not the signed-in person's."""
    client.force_login(citizen)
    response = client.get("/services/bundle-applications/YJS20261206000001/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
