"""Issuing systems push credentials: authentication, scope, idempotent re-push, validation, status
changes, and bulk import that keeps good rows and reports bad ones."""

import base64
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from PIL import Image
from rest_framework.test import APIClient

from credentials.models import Credential, CredentialType, issuer_record_index
from identity.models import Notice
from tests.factories import CredentialTypeFactory, DepartmentFactory, issuer_client, licence_data, sign_in_with_second_factor

PUSH = "/api/v1/issuer/credentials/"


def _json(data: dict) -> dict:
    return {**data, "issued_on": data["issued_on"].isoformat()}


def test_push_needs_a_known_client_with_the_scope_and_the_type(db, driving_type, issuer, citizen):
    body = _json(licence_data(citizen))
    anonymous = APIClient()
    response = anonymous.post(PUSH, body, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"

    anonymous.credentials(HTTP_AUTHORIZATION="Bearer " + issuer[1][:-3] + "xyz")
    assert anonymous.post(PUSH, body, format="json").status_code == 401

    _client, sync_token = issuer_client(name="数据共享平台", scopes=["base_records.sync"])
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer " + sync_token)
    assert anonymous.post(PUSH, body, format="json").status_code == 403

    # A real issuer, but of another type: the marriage registry may not issue driving licences.
    _client, other_token = issuer_client(name="民政厅婚姻登记系统")
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer " + other_token)
    response = anonymous.post(PUSH, body, format="json")
    assert response.status_code == 403 and response.json()["code"] == "type_not_allowed"

    # A signed-in citizen is not an issuing system either.
    citizen_api = APIClient()
    citizen_api.force_authenticate(citizen)
    assert citizen_api.post(PUSH, body, format="json").status_code in (401, 403)
    assert Credential.objects.count() == 0


def test_re_push_of_a_record_updates_and_never_duplicates(issuer_api, citizen):
    first = issuer_api.post(PUSH, _json(licence_data(citizen)), format="json")
    assert first.status_code == 201
    identifier = first.json()["identifier"]
    assert first.json()["expires_on"] == "2030-01-10"  # six years from the type's validity rule

    again = issuer_api.post(PUSH, _json(licence_data(citizen, fields={**licence_data(citizen)["fields"], "licence_class": "B2"})), format="json")
    assert again.status_code == 200
    assert again.json()["identifier"] == identifier and again.json()["revision"] == 2
    assert Credential.objects.count() == 1
    assert Credential.objects.get().fields["licence_class"] == "B2"
    assert Notice.objects.filter(user=citizen, kind="credential_issued").count() == 1
    assert issuer_api.get(PUSH + "DL-1/").json()["identifier"] == identifier


@pytest.mark.parametrize(
    ("change", "error_key"),
    [
        ({"fields": {"licence_class": "Z9"}}, "fields.licence_class"),
        ({"fields": {"licence_number": "110101199003071234"}}, "fields.licence_number"),
        ({"fields": {"first_issued": "16/07/2012"}}, "fields.first_issued"),
        ({"fields": {"colour": "red"}}, "fields.colour"),
        ({"holder_number": "110101199003071234"}, "holder_number"),
        ({"type": "no_such_type"}, "type"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"issued_on": "yesterday"}, "issued_on"),
    ],
)
def test_bad_pushes_answer_400_with_the_field(issuer_api, citizen, change, error_key):
    body = _json(licence_data(citizen))
    if "fields" in change:
        change = {"fields": {**body["fields"], **change["fields"]}}
    response = issuer_api.post(PUSH, {**body, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert error_key in response.json()["errors"]
    assert Credential.objects.count() == 0


def test_missing_required_field_is_named(issuer_api, citizen):
    body = _json(licence_data(citizen))
    del body["fields"]["file_number"]
    response = issuer_api.post(PUSH, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["fields.file_number"]


def _png(width, height) -> str:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_photos_are_checked_by_content(issuer_api, citizen):
    body = _json(licence_data(citizen))
    assert issuer_api.post(PUSH, {**body, "photo": base64.b64encode(b"<html>not an image</html>").decode()}, format="json").status_code == 400
    bomb = issuer_api.post(PUSH, {**body, "photo": _png(5000, 5000)}, format="json")  # a few KB, 25 M pixels
    assert bomb.status_code == 400 and "photo" in bomb.json()["errors"]
    ok = issuer_api.post(PUSH, {**body, "photo": _png(240, 320)}, format="json")
    assert ok.status_code == 201
    stored = base64.b64decode(Credential.objects.get().photo)
    assert stored[:3] == b"\xff\xd8\xff"  # re-encoded as JPEG


def test_suspend_revoke_and_reinstate(issuer_api, licence, citizen):
    url = PUSH + "DL-1/status/"
    assert issuer_api.post(url, {"status": "suspended", "reason": "记分满12分"}, format="json").json()["status"] == "suspended"
    assert issuer_api.post(url, {"status": "valid"}, format="json").json()["status"] == "valid"
    assert issuer_api.post(url, {"status": "revoked", "reason": "注销"}, format="json").json()["status"] == "revoked"
    response = issuer_api.post(url, {"status": "valid"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "revoked"
    assert issuer_api.post(url, {"status": "lost"}, format="json").status_code == 400
    assert issuer_api.post(PUSH + "nope/status/", {"status": "valid"}, format="json").status_code == 404
    assert Notice.objects.filter(user=citizen, kind="credential_status").count() == 3


def test_an_issuer_cannot_touch_another_issuers_record(licence, driving_type):
    other, token = issuer_client(name="另一发证系统")
    driving_type.issuers.add(other)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    assert api.post(PUSH + "DL-1/status/", {"status": "revoked"}, format="json").status_code == 404
    assert api.get(PUSH + "DL-1/").status_code == 404


def test_bulk_import_keeps_good_rows_and_reports_bad_ones(issuer, citizen, other_citizen, tmp_path):
    path = tmp_path / "licences.csv"
    rows = [
        "type,record_id,holder_number,holder_name,issued_on,fields.licence_number,fields.licence_class,fields.first_issued,fields.file_number",
        f"driving_licence,R1,{citizen.id_number},{citizen.name},2024-01-10,{citizen.id_number},C1,2012-07-16,F1",
        f"driving_licence,R2,{other_citizen.id_number},{other_citizen.name},2024-01-10,{other_citizen.id_number},Z9,2012-07-16,F2",
        f"driving_licence,R3,110101199003071234,某人,2024-01-10,{citizen.id_number},C1,2012-07-16,F3",
        f"driving_licence,R4,{other_citizen.id_number},{other_citizen.name},2024-01-10,{other_citizen.id_number},B2,2013-01-01,F4",
    ]
    path.write_text("\n".join(rows), encoding="utf-8")
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("import_credentials", issuer[0].key_id, str(path), stdout=out)
    assert exited.value.code == 1
    text = out.getvalue()
    assert "created 2, updated 0, rejected 2" in text
    assert "row 2: fields.licence_class" in text and "row 3: holder_number" in text
    assert set(Credential.objects.values_list("issuer_record_id", flat=True)) == {"R1", "R4"}

    # Re-importing updates; JSON Lines with nested fields works too.
    jsonl = tmp_path / "again.jsonl"
    jsonl.write_text(json.dumps({**_json(licence_data(citizen, record_id="R1")), "fields": {**licence_data(citizen)["fields"], "licence_class": "A1"}})
                     + "\n{broken\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("import_credentials", issuer[0].key_id, str(jsonl), stdout=out)
    assert "created 0, updated 1, rejected 1" in out.getvalue()
    assert Credential.objects.get(issuer_record_index=issuer_record_index("R1")).fields["licence_class"] == "A1"


def test_admin_import_action(issuer, citizen, client):
    from tests.factories import UserFactory

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    sign_in_with_second_factor(client, admin_user)
    content = (
        "type,record_id,holder_number,holder_name,issued_on,fields.licence_number,fields.licence_class,fields.first_issued,fields.file_number\n"
        f"driving_licence,A1,{citizen.id_number},{citizen.name},2024-01-10,{citizen.id_number},C1,2012-07-16,F1\n"
        f"driving_licence,A2,{citizen.id_number},{citizen.name},not-a-date,{citizen.id_number},C1,2012-07-16,F1\n"
    ).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/admin/credentials/credential/import/", {"client": issuer[0].pk, "file": SimpleUploadedFile("x.csv", content)})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-errors"' in page and "issued_on" in page
    assert list(Credential.objects.values_list("issuer_record_id", flat=True)) == ["A1"]


def test_credential_type_admin_validates_the_schema_and_type_code(db):
    from django.core.exceptions import ValidationError

    department = DepartmentFactory(credit_code="11370000MA00000114")
    ctype = CredentialType(code="x", name="X", department=department, type_code="11370000MA00000114ABC", field_schema=[{"key": "a", "label": "A"}])
    with pytest.raises(ValidationError):
        ctype.full_clean()
    ctype.type_code = "11370000MA00000114001"
    ctype.field_schema = [{"key": "a", "label": "A"}, {"key": "a", "label": "again"}]
    with pytest.raises(ValidationError):
        ctype.full_clean()
    ctype.field_schema = [{"key": "a", "label": "A", "type": "choice"}]
    with pytest.raises(ValidationError):
        ctype.full_clean()
    ctype.field_schema = [{"key": "a", "label": "A"}]
    ctype.full_clean()
    assert CredentialTypeFactory(code="vehicle_licence", type_code="11370000MA00000114004").pk
