"""Credential-type admins' writes go through ``identity.services.admin_record_save``: a type saved in
admin (its fields through the structured editor, its issuers) and a relying party added to the
verifier register are each audited in the same transaction (field names, never values)."""

from __future__ import annotations

import re

import pytest

from credentials.models import CredentialType, RelyingParty
from identity.models import AuditEvent
from tests.factories import UserFactory, sign_in_with_second_factor
from tests.services.test_admin_editor import editor_inputs

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    sign_in_with_second_factor(client, admin)
    return admin


def test_saving_a_credential_type_in_admin_writes_an_audit_event(client, superuser, issuer):
    kind = CredentialType.objects.get(issuers=issuer[0])
    data = {"name": "机动车驾驶证（新）", "name_en": kind.name_en, "code": kind.code, "holder_kind": kind.holder_kind,
            "department": kind.department_id or "", "type_code": kind.type_code, "validity_years": kind.validity_years or "", "colour": kind.colour,
            "is_active": "on", "issuers": [str(pk) for pk in kind.issuers.values_list("pk", flat=True)],
            **editor_inputs("field_schema", kind.field_schema, ("label", "label_en", "key", "type", "required", "choices", "help", "help_en"))}

    response = client.post(f"/admin/credentials/credentialtype/{kind.pk}/change/", data)

    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    assert CredentialType.objects.get(pk=kind.pk).name == "机动车驾驶证（新）"
    event = AuditEvent.objects.get(action="admin_record_changed", actor=superuser)
    assert event.detail["model"] == "credentials.credentialtype" and event.detail["step"] == "changed" and event.detail["record"] == kind.pk
    assert "name" in event.detail["fields"] and "机动车驾驶证（新）" not in str(event.detail)


def test_a_relying_party_deleted_in_admin_is_audited(client, superuser):
    party = RelyingParty.objects.create(client_id="test-rp", name="测试依赖方", kind=RelyingParty.Kind.values[0], organisation="测试",
                                        purpose="测试", allowed={})

    answer = client.post(f"/admin/credentials/relyingparty/{party.pk}/delete/", {"post": "yes"})

    assert answer.status_code == 302 and not RelyingParty.objects.filter(pk=party.pk).exists()
    assert AuditEvent.objects.filter(action="admin_record_changed", actor=superuser, detail__model="credentials.relyingparty",
                                     detail__step="deleted").exists()


def test_a_bulk_import_in_admin_names_who_uploaded_it(client, superuser, issuer, citizen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        "type,record_id,holder_number,holder_name,issued_on,fields.licence_number,fields.licence_class,fields.first_issued,fields.file_number\n"
        f"driving_licence,A1,{citizen.id_number},{citizen.name},2024-01-10,{citizen.id_number},C1,2012-07-16,F1\n"
    ).encode()
    kind = CredentialType.objects.get(issuers=issuer[0])
    content = content.replace(b"driving_licence,", f"{kind.code},".encode())

    answer = client.post("/admin/credentials/credential/import/", {"client": issuer[0].pk, "file": SimpleUploadedFile("x.csv", content)})

    assert answer.status_code == 200
    event = AuditEvent.objects.get(action="admin_record_changed", actor=superuser)
    assert event.detail == {"model": "credentials.credential", "step": "imported", "new": 1}
    assert AuditEvent.objects.filter(action="credential_issued").exists()  # each row by its own use case too
    assert citizen.id_number not in str(event.detail)
