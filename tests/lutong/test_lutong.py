"""鲁通码: one rotating code; a registered reader is answered exactly its scenario's fields, once, within
60 seconds; an unregistered, revoked or suspended reader learns nothing; the holder sees every read
and may switch optional scenarios off (statutory ones stay on); the public register says it all."""

from __future__ import annotations

import re
import zlib

import cbor2
import pytest

from credentials import signing
from identity.models import AuditEvent
from lutong.models import Resolution
from tests.lutong.conftest import ADDRESS, reader_api

RESOLVE = "/api/v1/lutong/resolve/"


def resolve(terminal, code, transport="qr"):
    return reader_api(terminal).post(RESOLVE, {"code": code, "transport": transport}, format="json")


# scenario → exactly the (credential type, field) → value its readers are answered
EXPECTED = {
    "government_window": lambda c: {("id_card", "holder_name"): "张三", ("id_card", "holder_number"): c.id_number, ("id_card", "address"): ADDRESS},
    "hospital_registration": lambda c: {("id_card", "holder_name"): "张三", ("id_card", "gender"): "男", ("id_card", "birth_date"): "1990-03-07",
                                        ("social_security_card", "social_security_number"): c.id_number},
    "metro_gate": lambda c: {("id_card", "birth_date"): "1990-03-07"},
    "library": lambda c: {("id_card", "holder_name"): "张三"},
    "canteen": lambda c: {("social_security_card", "card_number"): "A37010200123"},
}


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_each_scenario_is_answered_exactly_its_fields(terminals, code_of, citizen, scenario):
    answer = resolve(terminals[scenario], code_of())
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["valid"] is True and body["reason"] == "valid" and body["scenario"]["code"] == scenario
    assert {(f["credential_type"], f["key"]): f["value"] for f in body["fields"]} == EXPECTED[scenario](citizen)
    assert all(f["label"] and f["label"] != f["key"] for f in body["fields"])  # words, not keys


def test_the_table_covers_every_demo_scenario(terminals):
    assert set(terminals) == set(EXPECTED)


def test_a_replayed_code_is_refused_and_tells_nothing_more(terminals, code_of):
    code = code_of()
    assert resolve(terminals["library"], code).json()["valid"] is True
    again = resolve(terminals["metro_gate"], code).json()
    assert (again["valid"], again["reason"], again["fields"]) == (False, "replayed", [])


def test_an_expired_code_is_refused(terminals, code_of, monkeypatch):
    code = code_of()
    import time
    import types

    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: time.time() + 61, monotonic=time.monotonic))
    answer = resolve(terminals["library"], code).json()
    assert (answer["valid"], answer["reason"], answer["fields"]) == (False, "expired", [])


def test_a_forged_code_is_refused(terminals, code_of):
    code = code_of()
    tampered = code[:-6] + ("A" if code[-6] != "A" else "B") + code[-5:]
    answer = resolve(terminals["library"], tampered).json()
    assert answer["valid"] is False and answer["fields"] == []


def _decoded(code: str) -> tuple[bytes, dict]:
    """The COSE_Sign1 bytes and the CWT claims of a code, decoded independently of credentials.signing."""
    raw = signing.base45_decode(code[4:])
    raw = zlib.decompress(raw) if raw[:1] == b"\x78" else raw
    _protected, _unprotected, payload, _signature = cbor2.loads(raw).value
    return raw, cbor2.loads(payload)


def test_the_qr_payload_holds_no_personal_data(terminals, code_of, citizen):
    from credentials.rendering import _qr

    first, second = code_of(), code_of()
    assert first.startswith("QL1:") and _qr(first).version <= 12  # small enough for any phone camera
    raw, claims = _decoded(first)
    assert set(claims) == {1, 4, 6, 7, "sub"}  # iss, exp, iat, cti (the one-time nonce), the sealed reference
    for secret in (citizen.id_number, citizen.name, "13800000101"):  # the fixture's phone number
        assert secret.encode() not in raw
    assert citizen.id_number_index.encode() not in raw and bytes.fromhex(citizen.id_number_index) not in raw
    _raw, claims_two = _decoded(second)
    assert claims_two["sub"] != claims["sub"] and claims_two[7] != claims[7]  # two codes of one person look unrelated


def _refusal(response):
    return response.status_code, response.json()


def test_a_revoked_unknown_or_suspended_reader_gets_403_and_learns_nothing(terminals, code_of, citizen):
    from core.usecases import SYSTEM
    from lutong.services import terminal_revoke

    code = code_of()
    library = terminals["library"]
    terminal_revoke(actor=SYSTEM, terminal=library)
    revoked_valid = _refusal(resolve(library, code))
    revoked_garbage = _refusal(resolve(library, "QL1:NOTACODE"))
    unknown = _refusal(resolve("nobody.secret", code))
    wrong_secret = _refusal(resolve(f"{terminals['canteen'].key_id}.wrong", code))
    anonymous = _refusal(reader_api("").post(RESOLVE, {"code": code, "transport": "qr"}, format="json"))
    party = terminals["metro_gate"].reader.relying_party
    party.is_active = False
    party.save(update_fields=["is_active"])
    suspended = _refusal(resolve(terminals["metro_gate"], code))
    assert revoked_valid[0] == 403 and revoked_valid[1]["code"] == "reader_not_registered"
    assert revoked_valid == revoked_garbage == unknown == wrong_secret == anonymous == suspended  # the same answer, whatever the code
    assert not Resolution.objects.exists()  # nothing recorded, nothing spent:
    assert resolve(terminals["government_window"], code).json()["valid"] is True


def test_a_transport_the_reader_is_not_registered_for_is_refused_before_the_code_is_read(terminals, code_of):
    code = code_of()
    refused = resolve(terminals["canteen"], code, transport="nfc")
    assert refused.status_code == 403 and refused.json()["code"] == "transport_not_registered"
    assert resolve(terminals["canteen"], code).json()["valid"] is True  # not spent by the refusal


def test_a_holder_switching_off_an_optional_scenario_stops_its_readers(terminals, code_of, citizen, citizen_api):
    off = citizen_api.put("/api/v1/lutong/my-scenarios/library/", {"enabled": False}, format="json")
    assert off.status_code == 200 and off.json()["enabled"] is False
    answer = resolve(terminals["library"], code_of()).json()
    assert (answer["valid"], answer["reason"], answer["fields"]) == (False, "switched_off", [])
    assert resolve(terminals["government_window"], code_of()).json()["valid"] is True  # other scenarios unaffected
    statutory = citizen_api.put("/api/v1/lutong/my-scenarios/government_window/", {"enabled": False}, format="json")
    assert statutory.status_code == 400 and statutory.json()["code"] == "scenario_statutory"
    mine = {row["code"]: row for row in citizen_api.get("/api/v1/lutong/my-scenarios/").json()}
    assert mine["library"]["enabled"] is False and mine["government_window"] == {**mine["government_window"], "statutory": True, "enabled": True}
    assert citizen_api.put("/api/v1/lutong/my-scenarios/library/", {"enabled": True}, format="json").json()["enabled"] is True
    assert resolve(terminals["library"], code_of()).json()["valid"] is True


def test_every_read_is_audited_for_the_holder_and_shown_in_who_checked_my_credentials(terminals, code_of, citizen, client):
    resolve(terminals["hospital_registration"], code_of())
    event = AuditEvent.objects.get(action="lutong_code_read", subject=citizen)
    assert event.detail["scenario"] == "医院挂号" and "山东大学齐鲁医院挂号处" in event.actor_description
    assert event.detail["purpose"] == "实名挂号与医保结算"
    client.force_login(citizen)
    page = client.get("/wallet/checks/").content.decode()
    assert "谁读取了我的鲁通码" in page and "山东大学齐鲁医院挂号处" in page and "门诊大厅自助机 A2" in page
    assert "山东大学齐鲁医院挂号处" in client.get("/lutong/").content.decode()


def test_my_code_over_the_api(citizen_api, terminals):
    body = citizen_api.get("/api/v1/lutong/code/?qr=svg").json()
    assert body["payload"].startswith("QL1:") and 10 <= body["ttl"] <= 60 and body["qr_svg"].startswith("<")
    assert resolve(terminals["library"], body["payload"]).json()["valid"] is True


def test_the_ttl_is_never_more_than_a_minute(settings, citizen):
    from lutong.services import code_show

    settings.QILU_LUTONG_TTL = 3600
    code = code_show(user=citizen)
    assert code.ttl == 60


def test_the_public_register_lists_each_scenario_and_exactly_what_its_readers_see(terminals, client):
    page = client.get("/lutong/scenarios/").content.decode()
    for name in ("政务服务窗口", "医院挂号", "地铁闸机", "图书馆借阅", "食堂就餐", "济南轨道交通闸机", "法定场景，持码人不可关闭"):
        assert name in page
    listed = {row["code"]: row for row in client.get("/api/v1/lutong/scenarios/").json()}
    assert listed["metro_gate"]["sees"] == [{"credential_type": "id_card", "name": "居民身份证", "fields": ["birth_date"], "labels": ["出生"]}]
    assert listed["government_window"]["statutory"] is True and listed["library"]["statutory"] is False
    assert listed["metro_gate"]["readers"][0]["transports"] == ["qr", "nfc"]


def test_a_reader_cannot_be_registered_for_more_than_its_relying_party_may_see(terminals):
    from django.core.exceptions import ValidationError

    from core.usecases import SYSTEM
    from credentials.models import RelyingParty
    from lutong.models import Scenario
    from lutong.services import reader_register

    party = RelyingParty.objects.create(client_id="small-party", name="小单位", kind="third_party", organisation="小单位", purpose="x",
                                        allowed={"id_card": ["holder_name"]})
    with pytest.raises(ValidationError):
        reader_register(actor=SYSTEM, relying_party=party, scenario=Scenario.objects.get(code="government_window"), transports=["qr"])
    assert reader_register(actor=SYSTEM, relying_party=party, scenario=Scenario.objects.get(code="library"), transports=["qr"]).pk


def test_a_terminal_revoked_after_it_was_used_is_refused_at_its_next_read(terminals, code_of, django_capture_on_commit_callbacks):
    """Terminals are kept in memory while the register stands: the revocation's commit moves it."""
    from core.usecases import SYSTEM
    from lutong.services import terminal_revoke

    assert resolve(terminals["library"], code_of()).json()["valid"] is True
    with django_capture_on_commit_callbacks(execute=True):
        terminal_revoke(actor=SYSTEM, terminal=terminals["library"])
    refused = resolve(terminals["library"], code_of())
    assert refused.status_code == 403 and refused.json()["code"] == "reader_not_registered"


def test_on_the_production_journal_a_read_writes_nothing_on_its_request_and_the_consumer_stores_it_once(
        terminals, code_of, citizen, redis_journal, django_assert_max_num_queries):
    """As a checkpoint's scan: the answer comes from memory and one query; the read, its audit event for
    the holder, is stored by the journal's consumer; the nonce is spent in Redis (a replay is refused)."""
    from core import journal

    code = code_of()
    with django_assert_max_num_queries(4):  # the terminal (first read), the credentials beside the switch, the savepoint and its release
        assert resolve(terminals["metro_gate"], code).json()["valid"] is True
    assert not Resolution.objects.exists() and not AuditEvent.objects.filter(action="lutong_code_read").exists()
    assert journal.Consumer("t-lt", block_ms=10).run_once() == 1
    read = Resolution.objects.get()
    assert (read.person_index, read.reason, read.fields) == (citizen.id_number_index, "valid", ["id_card.birth_date"])
    assert AuditEvent.objects.filter(action="lutong_code_read", subject=citizen).count() == 1
    assert resolve(terminals["library"], code).json()["reason"] == "replayed"


def test_what_readers_see_is_punctuated_in_the_pages_language(terminals, citizen, client):
    """English pages list the fields in English punctuation, Chinese ones in Chinese (no "：" or "（" in English)."""
    client.force_login(citizen)
    chinese = client.get("/lutong/").content.decode()
    assert "读码方可见：居民身份证（持证人、" in chinese
    client.cookies["django_language"] = "en"
    english = client.get("/lutong/").content.decode()
    assert "Readers see: Resident ID card (Holder, " in english and not re.search(r"[：（）、；]", english.split("<main", 1)[1].split("</main>")[0])
    register = client.get("/lutong/scenarios/").content.decode()
    assert "Resident ID card</strong>: Holder, " in register
