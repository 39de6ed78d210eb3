"""The pass and its checks: rotation, expiry and replay, trusted and untrusted provinces, who checked
my pass, the cached hot path, guardians, venues, appeals end to end, imports and statistics."""

import base64
import datetime as dt
import json
import time
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import ECKey
from rest_framework.test import APIClient

from core.usecases import SYSTEM
from healthcode import services, statuses
from healthcode.models import Appeal, HealthStatus, PassCheck, Stay, TrustedIssuer, Venue
from identity.models import AuditEvent, Notice
from tests.factories import PopulationRecordFactory, UserFactory, issuer_client, sign_in_with_second_factor
from tests.healthcode.conftest import with_record

CHECK = "/api/v1/health/checks/"


def _claims(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_pass_shows_colour_reasons_and_a_rotating_signed_payload(person_api, person):
    first = person_api.get("/api/v1/health/pass/").json()
    assert first["colour"] == "green" and first["masked_name"] == "张*" and first["reasons"][0]["code"] == "none"
    claims = _claims(first["payload"])
    assert claims["exp"] - claims["iat"] == 60 and claims["hp"]["c"] == "green"
    assert person.id_number not in json.dumps(claims) and person.id_number_index not in json.dumps(claims)
    second = person_api.get("/api/v1/health/pass/").json()
    assert second["payload"] != first["payload"]


def test_checkpoint_sees_colour_and_masked_name_and_the_holder_sees_the_check(person_api, checker_api, person, checker):
    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    verdict = checker_api.post(CHECK, {"payload": payload, "place": "济南西站"}, format="json").json()
    assert (verdict["valid"], verdict["colour"], verdict["masked_name"], verdict["issuer"]) == (True, "green", "张*", "CN-37")
    checks = person_api.get("/api/v1/health/pass/checks/").json()["results"]
    assert checks[0]["place"] == "济南西站" and checks[0]["checker"] == checker.masked_name
    assert AuditEvent.objects.filter(subject=person, actor=checker, action="health_pass_checked").exists()


def test_a_replayed_expired_pass_is_rejected(person_api, checker_api):
    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    with mock.patch("time.time", return_value=_claims(payload)["exp"] + 5):
        verdict = checker_api.post(CHECK, {"payload": payload}, format="json").json()
    assert (verdict["valid"], verdict["reason"]) == (False, "expired")
    assert PassCheck.objects.get().reason == "expired"


def test_only_checkpoint_staff_check(person_api):
    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    assert person_api.post(CHECK, {"payload": payload}, format="json").status_code == 403


def test_a_credential_presentation_is_not_a_health_pass(checker_api, signing_key):
    from credentials import signing

    token, _claims_ = signing.sign({"jti": "x"}, kind="qilu-vp+jwt", ttl=60)
    assert checker_api.post(CHECK, {"payload": token}, format="json").json()["reason"] == "wrong_kind"
    assert checker_api.post(CHECK, {"payload": "garbage"}, format="json").json()["reason"] == "malformed"


class Province:
    """Another province's issuer: its own key, its own iss, its published JWKS."""

    def __init__(self, iss="CN-35"):
        self.iss = iss
        self.key = ECKey.generate_key("P-256", auto_kid=False)
        self.jwks = {"keys": [{**self.key.as_dict(private=False), "kid": self.key.thumbprint(), "alg": "ES256", "use": "sig"}]}

    def sign(self, colour="green", ttl=60, key=None):
        now = int(time.time())
        claims = {"iss": self.iss, "iat": now, "exp": now + ttl, "jti": "f1", "hp": {"c": colour, "n": "林*"}}
        key = key or self.key
        return jws.serialize_compact({"alg": "ES256", "kid": self.key.thumbprint(), "typ": "qilu-hp+jwt"}, json.dumps(claims).encode(), key)


def test_passes_of_trusted_provinces_are_accepted_and_others_rejected(checker_api, rules, tmp_path):
    fujian = Province("CN-35")
    now = timezone.now()
    services.trusted_issuer_import(actor=SYSTEM, issuer_id="CN-35", name="福建省", jwks=json.dumps(fujian.jwks),
                                   valid_from=now - dt.timedelta(days=1), valid_until=now + dt.timedelta(days=30))
    verdict = checker_api.post(CHECK, {"payload": fujian.sign("yellow")}, format="json").json()
    assert (verdict["valid"], verdict["colour"], verdict["issuer"]) == (True, "yellow", "CN-35")

    forged = fujian.sign(key=ECKey.generate_key("P-256", auto_kid=False))
    assert checker_api.post(CHECK, {"payload": forged}, format="json").json()["reason"] == "bad_signature"

    stranger = Province("CN-99")
    assert checker_api.post(CHECK, {"payload": stranger.sign()}, format="json").json()["reason"] == "untrusted_issuer"

    TrustedIssuer.objects.filter(issuer_id="CN-35").update(valid_until=now - dt.timedelta(minutes=1))
    assert checker_api.post(CHECK, {"payload": fujian.sign()}, format="json").json()["reason"] == "issuer_not_trusted_now"
    # The foreign person is not ours: the check is logged without a person.
    assert set(PassCheck.objects.values_list("person_index", flat=True)) == {""}


def test_our_published_keys_verify_our_pass_elsewhere(person_api, client, tmp_path):
    """What another province does with our JWKS: the offline verifier stands in for it."""
    from io import StringIO

    from django.core.management import call_command

    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    jwks_file = tmp_path / "qilu.json"
    jwks_file.write_bytes(client.get("/.well-known/jwks.json").content)
    out = StringIO()
    call_command("verify_offline", payload, "--jwks", str(jwks_file), "--kind", "qilu-hp+jwt", stdout=out)
    assert out.getvalue().startswith("VALID health pass from CN-37")


def test_trust_list_import_from_a_url(rules, live_server, settings):
    """A key set fetched over HTTP (our own endpoint on loopback stands in for another province's)."""
    settings.QILU_TRUST_LIST_ALLOWED_HOSTS = ["localhost", "127.0.0.1"]  # the province's server on our closed network
    now = timezone.now()
    trusted = services.trusted_issuer_import(actor=SYSTEM, issuer_id="CN-37-mirror", name="本省镜像", url=live_server.url + "/.well-known/jwks.json",
                                             valid_from=now, valid_until=now + dt.timedelta(days=1))
    assert trusted.jwks["keys"] and trusted.source_url.endswith("/.well-known/jwks.json")


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/jwks.json", "http://localhost/jwks.json", "http://169.254.169.254/latest/meta-data",
                                 "http://10.0.0.1/jwks.json", "http://[::1]/jwks.json"])
def test_trust_list_import_refuses_internal_addresses_not_allowed(rules, url):
    """SSRF: an admin's URL must not make the server fetch from inside its own network."""
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        services.trusted_issuer_import(actor=SYSTEM, issuer_id="CN-99", name="内网", url=url, valid_from=now, valid_until=now + dt.timedelta(days=1))
    assert "url" in refused.value.message_dict
    assert not TrustedIssuer.objects.filter(issuer_id="CN-99").exists()


def test_the_hot_path_reads_the_cache_not_the_database(person, django_assert_num_queries):
    statuses.status_for(person.id_number_index)
    with django_assert_num_queries(0):
        assert statuses.status_for(person.id_number_index)["colour"] == "green"


def test_guardian_holds_a_dependants_pass_with_consent(person_api, person, other_api, checker_api, rules):
    PopulationRecordFactory(name="王秀英", id_number="370102194805060028", birth_date=dt.date(1948, 5, 6), gender="F")
    body = {"name": "王秀英", "id_number": "370102194805060028", "relation": "奶奶", "consent": "minor"}
    assert person_api.post("/api/v1/health/dependants/", body, format="json").status_code == 400  # she is not a minor
    assert person_api.post("/api/v1/health/dependants/", {**body, "consent": "in_person"}, format="json").status_code == 400  # no record of consent
    wrong = person_api.post("/api/v1/health/dependants/", {**body, "name": "王秀", "consent": "in_person", "consent_note": "x"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "real_name_mismatch"
    created = person_api.post("/api/v1/health/dependants/", {**body, "consent": "in_person", "consent_note": "2026-11-20 社区网格员见证"}, format="json")
    assert created.status_code == 201 and created.json()["masked_id_number"] == "370102********0028"
    pk = created.json()["id"]
    shown = person_api.get(f"/api/v1/health/pass/?dependant={pk}").json()
    assert shown["masked_name"] == "王*英"
    assert other_api.get(f"/api/v1/health/pass/?dependant={pk}").status_code == 404
    checker_api.post(CHECK, {"payload": shown["payload"]}, format="json")
    # The guardian sees the check of the dependant's pass in their own trail.
    assert AuditEvent.objects.filter(subject=person, action="health_pass_checked").exists()
    assert person_api.post(f"/api/v1/health/dependants/{pk}/revoke/").status_code == 200
    assert person_api.get(f"/api/v1/health/pass/?dependant={pk}").status_code == 404
    # A pass still within its minute, of someone with no account and no guardian now: checked and
    # recorded against no one, never a server error.
    late = checker_api.post(CHECK, {"payload": shown["payload"]}, format="json")
    assert late.status_code == 200 and late.json()["valid"] is True
    assert AuditEvent.objects.filter(subject=None, action="health_pass_checked").count() == 1


def test_venue_code_scan_records_a_stay_that_feeds_the_rules(person_api, person, rules):
    manager = UserFactory(roles=["venue_manager"])
    manager_api = APIClient()
    manager_api.force_authenticate(manager)
    venue = manager_api.post("/api/v1/health/venues/", {"name": "市北区菜市场", "area_code": "370203", "address": "辽宁路1号"}, format="json").json()
    assert person_api.post("/api/v1/health/venues/", {"name": "x", "area_code": "370203", "address": "y"}, format="json").status_code == 403
    from healthcode.models import RiskArea

    RiskArea.objects.create(area_code="370203", name="市北区", level="high", starts_at=timezone.now() - dt.timedelta(days=1))
    after = person_api.post("/api/v1/health/visits/", {"venue_code": venue["code"]}, format="json")
    assert after.status_code == 201 and after.json()["colour"] == "yellow"
    assert Stay.objects.get().venue == Venue.objects.get()
    assert person_api.post("/api/v1/health/visits/", {"venue_code": "nope"}, format="json").status_code == 404


def test_appeal_end_to_end(person_api, person, officer, client):
    from healthcode.models import CloseContact

    CloseContact.objects.create(person_index=person.id_number_index, listed_at=timezone.now() - dt.timedelta(days=1))
    assert person_api.get("/api/v1/health/pass/").json()["colour"] == "red"
    appeal = person_api.post("/api/v1/health/appeals/", {"reason": "当天我不在现场", "evidence": "单位考勤记录"}, format="json")
    assert appeal.status_code == 201 and appeal.json()["status"] == "pending"
    assert person_api.post("/api/v1/health/appeals/", {"reason": "again"}, format="json").status_code == 409

    # The health officer decides in admin: uphold, green for three days.
    sign_in_with_second_factor(client, officer)
    appeal_id = appeal.json()["id"]
    until = (timezone.localtime() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(f"/admin/healthcode/appeal/{appeal_id}/change/", {
        "decision": "uphold", "override_colour": "green", "override_until": until.strftime("%Y-%m-%d %H:%M:%S"),
        "decision_note": "经核实考勤记录，非密接",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    decided = Appeal.objects.get()
    assert decided.status == "upheld" and decided.override.expires_at == until
    shown = person_api.get("/api/v1/health/pass/").json()
    assert shown["colour"] == "green" and shown["reasons"][0]["code"] == "override"
    assert person_api.get("/api/v1/health/appeals/").json()[0]["decision_note"] == "经核实考勤记录，非密接"
    assert Notice.objects.filter(user=person, kind="health_appeal").exists()
    steps = [e.detail["step"] for e in AuditEvent.objects.filter(subject=person, action="health_appeal").order_by("id")]
    assert steps == ["submitted", "upheld"]
    mine = person_api.get("/api/v1/me/audit-events/?by_others=1").json()["results"]
    assert any(e["action"] == "health_appeal" for e in mine)


def test_health_systems_import_with_row_errors(person, rules):
    client, token = issuer_client(name="省核酸检测平台", scopes=["health.import"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    rows = [
        {"id_number": person.id_number, "external_id": "A1", "kind": "nucleic_acid", "result": "positive",
         "sampled_at": (timezone.now() - dt.timedelta(hours=10)).isoformat(), "reported_at": timezone.now().isoformat()},
        {"id_number": "110101199003071234", "external_id": "A2", "kind": "nucleic_acid", "result": "negative",
         "sampled_at": timezone.now().isoformat(), "reported_at": timezone.now().isoformat()},
        {"id_number": person.id_number, "external_id": "A3", "kind": "saliva", "result": "negative",
         "sampled_at": timezone.now().isoformat(), "reported_at": timezone.now().isoformat()},
    ]
    report = api.post("/api/v1/health/import/test_results/", {"rows": rows}, format="json").json()
    assert report["created"] == 1 and [e["row"] for e in report["errors"]] == [2, 3]
    assert HealthStatus.objects.get(person_index=person.id_number_index).colour == "red"  # evaluated at once
    again = api.post("/api/v1/health/import/test_results/", {"rows": rows[:1]}, format="json").json()
    assert (again["created"], again["updated"]) == (0, 1)
    assert api.post("/api/v1/health/import/unknown/", {"rows": []}, format="json").status_code == 404
    other, other_token = issuer_client(name="证照系统")
    api.credentials(HTTP_AUTHORIZATION="Bearer " + other_token)
    assert api.post("/api/v1/health/import/test_results/", {"rows": rows}, format="json").status_code == 403


def test_statistics_page_for_officers(client, officer, person, other_citizen, rules):
    from healthcode.evaluation import evaluate
    from healthcode.tasks import snapshot_counts
    from identity.models import PopulationRecord

    with_record(other_citizen, area="370203")
    evaluate(PopulationRecord.objects.all())
    snapshot_counts()
    sign_in_with_second_factor(client, officer)
    page = client.get("/health/stats/").content.decode()
    assert 'data-colour="green">2<' in page and "青岛市" in page and "济南市" in page and 'data-testid="chart"' in page
    assert ">370200<" not in page  # areas by name, not by code
    client.force_login(person)
    assert client.get("/health/stats/").status_code == 403


def test_portal_pass_page_and_json(client, person):
    client.force_login(person)
    page = client.get("/health/").content.decode()
    assert 'data-colour="green"' in page and "<svg" in page and 'data-testid="reasons"' in page
    refreshed = client.get("/health/pass.json").json()
    assert refreshed["colour"] == "green" and refreshed["svg"].startswith("<svg")


@pytest.mark.parametrize("url", ["/health/", "/health/declare/", "/health/dependants/"])
def test_portal_pages_need_sign_in(client, url):
    assert client.get(url).status_code == 302


def test_the_export_holds_my_health_data(person_api, person):
    person_api.get("/api/v1/health/pass/")
    person_api.post("/api/v1/health/declarations/", {"symptoms": True, "note": "发热"}, format="json")
    health = json.loads(person_api.get("/api/v1/me/export/").content)["health"]
    assert health["status"]["colour"] == "yellow" and health["declarations"][0]["note"] == "发热"


def test_the_checkpoint_page_names_the_issuer_not_its_code(person_api, checker, client):
    """签发方 in words: ours by the platform's name, never the ``iss`` code (the API keeps the code)."""
    from tests.factories import sign_in_with_second_factor

    payload = person_api.get("/api/v1/health/pass/").json()["payload"]
    sign_in_with_second_factor(client, checker)
    page = client.post("/health/check/", {"payload": payload, "place": "济南西站"}).content.decode()
    assert "山东省健康通行码平台" in page and "CN-37" not in page


def test_a_pass_whose_payload_nests_too_deep_is_malformed_never_a_500(checker_api):
    """The unverified payload (read for its ``iss``) goes through ``core.jsondepth.loads``: 1,300 nested
    arrays still fit the 4,000 characters a payload may have, and are past Python's recursion limit."""
    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header, deep = json.dumps({"alg": "ES256"}).encode(), ("[" * 1300 + "]" * 1300).encode()
    token = f"{part(header)}.{part(deep)}.{part(b'sig')}"
    assert len(token) < 4000
    answer = checker_api.post(CHECK, {"payload": token}, format="json")
    assert answer.status_code == 200 and answer.json()["reason"] == "malformed"
