"""The whole mobile journey through a Python client generated from the served document, against a
live server: what a mobile team does with nothing but /api/schema/. If the document and the server
disagree (an undeclared field, a body the generator cannot send, a status it does not expect), this
fails."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.core.management import call_command

from identity.demo import DEMO_TOTP_SECRET, totp_code
from identity.models import SmsMessage
from tests.factories import PopulationRecordFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Str0ng-pass-2026"
DEMO_PASSWORD = "Qilu-demo-2026"


def op(package, tag: str, name: str):
    return importlib.import_module(f"{package.__name__}.api.{tag}.{name}")


def last_code() -> str:
    return re.search(r"\d{6}", SmsMessage.objects.order_by("-id").first().body).group(0)


class App:
    """A phone: the generated client, with the session token allauth hands out."""

    def __init__(self, package, base_url: str):
        self.package, self.base_url, self.token = package, base_url, None

    @property
    def client(self):
        if self.token:
            return self.package.AuthenticatedClient(base_url=self.base_url, token=self.token, prefix="", auth_header_name="X-Session-Token")
        return self.package.Client(base_url=self.base_url)

    def call(self, tag: str, name: str, **kwargs):
        response = op(self.package, tag, name).sync_detailed(client=self.client, **kwargs)
        token = getattr(getattr(response.parsed, "meta", None), "session_token", None)
        if isinstance(token, str) and token:
            self.token = token
        return response


def models(package):
    return importlib.import_module(f"{package.__name__}.models")


def test_the_generator_warns_about_nothing(python_client):
    assert python_client.warnings == []


def test_the_mobile_journey_through_the_generated_client(python_client, live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    m = models(python_client)
    record = PopulationRecordFactory(name="袁涛")
    me = App(python_client, live_server.url)

    # configuration: the login methods a phone should offer
    config = me.call("sign_in", "auth_config_get")
    assert config.status_code == 200 and "phone" in [str(x) for x in config.parsed.data.account.login_methods]

    # sign up with the resident ID number, then verify the phone with the SMS code
    signed_up = me.call("sign_in", "auth_signup_post", body=m.AuthSignup(name="袁涛", username=record.id_number, phone="13900000011", password=PASSWORD))
    assert signed_up.status_code == 401 and me.token  # the flow's next step: phone verification
    assert "verify_phone" in [flow.id for flow in signed_up.parsed.data.flows if flow.is_pending]
    verified = me.call("sign_in", "auth_phone_verify_post", body=m.AuthVerifyPhone(code=last_code()))
    assert verified.status_code == 200 and verified.parsed.meta.is_authenticated

    # sign in by password (this device) and by an SMS code (a second device)
    phone_a = App(python_client, live_server.url)
    assert phone_a.call("sign_in", "auth_login_post", body=m.AuthLogin(username=record.id_number, password=PASSWORD)).status_code == 200
    phone_b = App(python_client, live_server.url)
    assert phone_b.call("sign_in", "auth_code_request_post", body=m.RequestLoginCodePhone(phone="139 0000 0011")).status_code == 401
    assert phone_b.call("sign_in", "auth_code_confirm_post", body=m.AuthConfirmLoginCode(code=last_code())).status_code == 200
    profile = phone_b.call("me", "me_retrieve")
    assert profile.status_code == 200 and profile.parsed.name.startswith("袁")

    # an issuing department pushes an ID card into the wallet (its own bearer token)
    from credentials.demo import DEMO_ISSUER_SECRET

    issuer = python_client.AuthenticatedClient(base_url=live_server.url, token=f"demo-sd-gat.{DEMO_ISSUER_SECRET}", prefix="Bearer")
    fields = m.CredentialPushRequestFields.from_dict({"gender": "男", "ethnicity": "汉", "birth_date": "1950-09-08", "address": "青岛市市南区",
                                                     "id_number": record.id_number, "issuing_authority": "青岛市公安局"})
    pushed = op(python_client, "issuer", "issuer_credentials_create").sync_detailed(client=issuer, body=m.CredentialPushRequest(
        type_="id_card", record_id="JOURNEY-1", holder_number=record.id_number, holder_name="袁涛", fields=fields, issued_on=dt.date(2024, 1, 1)))
    assert pushed.status_code == 201, pushed.content
    wallet = phone_b.call("wallet", "wallet_list")
    assert wallet.status_code == 200 and [c.type_ for c in wallet.parsed] == ["id_card"]
    identifier = wallet.parsed[0].identifier

    # 亮证 with chosen fields; a window clerk verifies it
    shown = phone_b.call("wallet", "wallet_presentations_create", identifier=identifier, body=m.PresentationCreateRequest(disclose=["gender"]),
                         qr=m.WalletPresentationsCreateQr.PNG)
    assert shown.status_code == 201 and shown.parsed.qr_png and shown.parsed.disclosed == ["gender"]
    clerk = App(python_client, live_server.url)
    from portal.management.commands.seed_demo import DEMO_PEOPLE

    numbers = {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}
    # staff give their authenticator's code after the password (identity.second_factor): 401 with the pending flow, then the code
    pending = clerk.call("sign_in", "auth_login_post", body=m.AuthLogin(username=numbers["clerk"], password=DEMO_PASSWORD))
    assert pending.status_code == 401 and [flow.id for flow in pending.parsed.data.flows if flow.is_pending] == ["mfa_authenticate"]
    assert clerk.call("sign_in", "auth_2fa_authenticate_post", body=m.AuthMFAAuthenticate(code=totp_code(DEMO_TOTP_SECRET))).status_code == 200
    verdict = clerk.call("verifications", "verifications_create", body=m.VerifyRequest(payload=shown.parsed.payload))
    masked = record.id_number[:6] + "********" + record.id_number[-4:]  # not chosen: shown masked
    assert verdict.status_code == 200 and verdict.parsed.valid
    assert verdict.parsed.credential.fields.additional_properties == {"gender": "男", "id_number": masked}

    # who used my data: the clerk's check
    used = phone_b.call("me", "me_audit_events_list", by_others=True)
    assert used.status_code == 200 and "credential_verified" in [event.action for event in used.parsed.results]

    # health pass, checked at a checkpoint
    health = phone_b.call("health", "health_pass_retrieve")
    assert health.status_code == 200 and health.parsed.payload
    checkpoint = App(python_client, live_server.url)
    checkpoint.call("sign_in", "auth_login_post", body=m.AuthLogin(username=numbers["checkpoint"], password=DEMO_PASSWORD))
    assert checkpoint.call("sign_in", "auth_2fa_authenticate_post", body=m.AuthMFAAuthenticate(code=totp_code(DEMO_TOTP_SECRET))).status_code == 200
    checked = checkpoint.call("health", "health_checks_create", body=m.CheckRequestRequest(payload=health.parsed.payload))
    assert checked.status_code == 200 and checked.parsed.valid

    # catalogue, form, a submission retried with the same Idempotency-Key, its timeline
    found = App(python_client, live_server.url).call("items", "items_list", q="社保卡")
    assert found.status_code == 200 and "RS-003" in [item.code for item in found.parsed.results]
    form = phone_b.call("items", "items_form_retrieve", code="RS-003")
    assert form.status_code == 200 and all(material.held for material in form.parsed.materials)
    answers = {field.key: field.value for field in form.parsed.fields} | {"delivery_address": "青岛市市南区香港中路 1 号"}
    body = m.ApplyRequest(item="RS-003", data=m.ApplyRequestData.from_dict(answers))
    first = phone_b.call("applications", "applications_create", body=body, idempotency_key="journey-1")
    again = phone_b.call("applications", "applications_create", body=body, idempotency_key="journey-1")
    assert (first.status_code, again.status_code) == (201, 200) and first.parsed.number == again.parsed.number
    other = m.ApplyRequest(item="RS-003", data=m.ApplyRequestData.from_dict(answers | {"delivery_address": "别处"}))
    reused = phone_b.call("applications", "applications_create", body=other, idempotency_key="journey-1")
    assert reused.status_code == 422 and reused.parsed.code == "idempotency_key_reused"
    timeline = phone_b.call("applications", "applications_retrieve", number=first.parsed.number)
    assert [str(step.to_status) for step in timeline.parsed.timeline] == ["submitted"]

    # notifications and the export
    notices = phone_b.call("me", "me_notices_list")
    assert notices.status_code == 200 and notices.parsed.count >= 1
    export = phone_b.call("me", "me_export_retrieve")
    assert export.status_code == 200 and export.parsed.format_ == "qilu-personal-data/1"

    # sign out the other devices from this one: the password device's token stops working
    sessions = phone_b.call("sign_in", "auth_sessions_get")
    assert sessions.status_code == 200
    others = [session.id for session in sessions.parsed.data if not session.is_current]
    assert others
    ended = phone_b.call("sign_in", "auth_sessions_delete", body=m.AuthEndSessions(sessions=others))
    assert ended.status_code == 200
    assert phone_a.call("me", "me_retrieve").status_code == 401
    assert phone_b.call("me", "me_retrieve").status_code == 200
