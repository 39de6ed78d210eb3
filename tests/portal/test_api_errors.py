"""Bad input on an API path gets a JSON 4xx with a stable code — never a 500, never an HTML page."""

import json

import pytest
from django.test import override_settings


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def test_deeply_nested_json_is_a_400_not_a_500(signed_in):
    body = "[" * 10_000 + "]" * 10_000
    response = signed_in.post("/api/v1/applications/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"  # every reader alike: tests/core/test_request_limits.py


def test_an_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


@override_settings(DEBUG=True)
def test_a_post_without_the_trailing_slash_answers_json_not_the_debug_page(signed_in):
    response = signed_in.post("/api/v1/applications", "{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"].endswith("/api/v1/applications/")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_body_over_the_limit_answers_json_413(signed_in):
    response = signed_in.post("/api/v1/applications/", json.dumps({"x": "a" * 5000}), content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_marking_another_persons_notice_is_not_found(signed_in):
    from identity.models import Notice
    from tests.factories import UserFactory

    theirs = Notice.objects.create(user=UserFactory(), kind="x", title="not yours")
    response = signed_in.post(f"/api/v1/me/notices/{theirs.pk}/read/", content_type="application/json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bodies_are_json_only_except_the_upload(signed_in):
    """One body format for a client to send: form or multipart bodies are 415, except the one real upload."""
    from django.test.client import encode_multipart

    form = signed_in.post("/api/v1/applications/", "item=JT-001", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    multipart = signed_in.post("/api/v1/applications/", encode_multipart("BOUNDARY", {"item": "JT-001"}), content_type="multipart/form-data; boundary=BOUNDARY")
    assert multipart.status_code == 415
    upload = signed_in.post("/api/v1/uploads/", encode_multipart("BOUNDARY", {"x": "y"}), content_type="multipart/form-data; boundary=BOUNDARY")
    assert upload.status_code == 400 and upload.json()["errors"] == {"file": [upload.json()["errors"]["file"][0]]}


@pytest.mark.parametrize("method", ["PUT", "TRACE", "OPTIONS", "HEAD"])
def test_sign_in_paths_refuse_methods_they_do_not_serve_in_their_own_error_shape(client, method):
    """allauth's phone view crashed (500) on any method but GET and POST without a session (found by schemathesis)."""
    response = client.generic(method, "/_allauth/app/v1/account/phone", '{"phone": "13800000001"}', content_type="application/json")
    assert response.status_code == 405
    if method != "HEAD":
        assert response.json()["status"] == 405 and response.json()["errors"][0]["code"] == "method_not_allowed"


def test_an_unreadable_sign_in_body_is_a_json_400(client):
    """allauth answers a non-object body with an empty text/html 400."""
    for body in ("[]", "5(", '"x"'):
        response = client.post("/_allauth/app/v1/auth/login", body, content_type="application/json")
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid", body


def test_a_nul_character_is_a_400_not_a_500(signed_in):
    """PostgreSQL text cannot hold NUL: a workbench search for one answered 500 (found by schemathesis)."""
    assert signed_in.get("/api/v1/items/", {"q": "驾驶\x00证"}).status_code == 400
    assert signed_in.get("/services/", {"q": "a\x00"}).status_code == 400
    body = json.dumps({"item": "JT-001", "data": {"seats": "5\u0000"}})
    response = signed_in.post("/api/v1/applications/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
