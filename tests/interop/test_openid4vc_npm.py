"""Qilu's issuer and verifier against holders and verifiers no one here wrote, from the npm registry
(clients/typescript/interop/openid4vc.mjs, locked in clients/typescript/package-lock.json), run by
Node against a live server: @openid4vc/openid4vci, @openid4vc/openid4vp, @sd-jwt/sd-jwt-vc and
@sd-jwt/jwt-status-list."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from credentials.openid import oid4vci, oid4vp
from credentials.services import credential_set_status
from tests.factories import RelyingPartyFactory, licence_world

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "typescript"
SCRIPT = "interop/openid4vc.mjs"


def node(*args, expect_ok: bool = True) -> dict:
    assert (CLIENT / "node_modules" / "@openid4vc" / "openid4vci").exists(), "run `make test` (it installs clients/typescript with npm ci)"
    run = subprocess.run(["node", SCRIPT, *map(str, args)], cwd=CLIENT, capture_output=True, text=True, timeout=120)
    lines = run.stdout.strip().splitlines()
    assert lines, run.stderr
    result = json.loads(lines[-1])
    if expect_ok:
        assert run.returncode == 0, (result, run.stderr)
    return result


@pytest.fixture
def world(live_server, tmp_path):
    citizen, clerk, licence, client = licence_world("13800000221", "13800000222")
    RelyingPartyFactory(members=[clerk])
    RelyingPartyFactory(client_id="qilu-bank", name="齐鲁银行", kind="third_party", organisation="齐鲁银行", purpose="开户实名核验",
                        allowed={"driving_licence": ["holder_name"]}, members=[clerk])
    offer = oid4vci.offer_create(actor=citizen, credential=licence)
    state = tmp_path / "npm-wallet.json"
    received = node("receive", live_server.url, offer.uri(live_server.url), offer.tx_code, state, 2)
    return {"base": live_server.url, "citizen": citizen, "licence": licence, "clerk": clerk, "issuer": client, "state": state, "received": received}


def ask(world, client_id="lixia-hall-window", fields=("holder_name", "licence_class")) -> tuple:
    request = oid4vp.request_create(actor=world["clerk"], client_id=client_id, type_code="driving_licence", fields=list(fields))
    return request, oid4vp.wallet_uri(request, world["base"])


def post(url: str, form: dict) -> tuple[int, dict]:
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_npm_holder_receives_our_credential_and_the_npm_verifier_accepts_it(world):
    received = world["received"]
    assert received["copies"] == 2 and "driving_licence" in received["metadata_configurations"]
    first, second = received["verified"]
    assert first["vct"] == f"{world['base']}/vct/driving_licence" and first["holder_name"] == "张三"
    assert first["cnf"] != second["cnf"] and first["status"]["status_list"]["idx"] != second["status"]["status_list"]["idx"]


def test_the_npm_status_list_reader_reads_our_lists(world):
    pointer = world["received"]["verified"][0]["status"]["status_list"]
    listed = node("status", pointer["uri"], pointer["idx"])
    assert listed["status"] == 0 and listed["bits"] == 2 and listed["typ"] == "statuslist+jwt" and listed["sub"] == pointer["uri"]
    assert listed["content_type"] == "application/statuslist+jwt" and "max-age" in listed["cache_control"]
    assert node("cors", "https://verifier.example", pointer["uri"], f"{world['base']}/vct/driving_licence")["readable"]  # from a browser too
    credential_set_status(actor=world["issuer"], record_id=world["licence"].issuer_record_id, status="suspended")
    assert node("status", pointer["uri"], pointer["idx"])["status"] == 2
    credential_set_status(actor=world["issuer"], record_id=world["licence"].issuer_record_id, status="revoked")
    assert node("status", pointer["uri"], pointer["idx"])["status"] == 1


def test_the_npm_holder_answers_our_verifier_and_the_npm_verifier_checks_the_same_presentation(world):
    request, uri = ask(world)
    answered = node("present", world["state"], uri)
    assert answered["status"] == 200, answered
    request.refresh_from_db()
    assert request.status == "verified" and request.disclosed == {"holder_name": "张三", "licence_class": "C1"}
    presentation = json.loads(answered["vp_token"])["credential"][0]
    checked = node("verify", world["base"], presentation, request.nonce, "lixia-hall-window")
    assert checked["valid"] and checked["claims"]["licence_class"] == "C1" and "licence_number" not in checked["claims"]
    assert not node("verify", world["base"], presentation, "another-nonce", "lixia-hall-window")["valid"]
    assert node("verify", world["base"], presentation, request.nonce, "qilu-bank") == {"valid": False, "error": "audience"}
    replayed = post(answered["response_uri"], {"vp_token": answered["vp_token"], "state": answered["state"]})
    assert replayed == (400, {"error": "invalid_request", "error_description": "replayed"})


@pytest.mark.parametrize(("options", "reason"), [
    (["--nonce", "not-the-request-nonce"], "wrong_nonce"),
    (["--aud", "qilu-bank"], "wrong_audience"),
    (["--drop", "licence_class"], "missing_claim"),
    (["--claim", "licence_class=A1"], "unknown_disclosure"),
])
def test_our_verifier_refuses_npm_presentations_that_are_wrong(world, options, reason):
    request, uri = ask(world)
    answer = node("present", world["state"], uri, *options, "--no-submit")
    status, body = post(answer["response_uri"], {"vp_token": answer["vp_token"], "state": answer["state"]})
    assert (status, body["error_description"]) == (400, reason)
    request.refresh_from_db()
    # missing_claim is the holder's own answer (their device signed for this request): it closes the
    # request; the others could be anyone's and leave it open for the holder, counted
    assert request.reason == reason and request.attempts == 1
    assert request.status == ("refused" if reason == "missing_claim" else "pending")


def test_a_presentation_made_for_one_request_fails_at_another(world):
    _first, first_uri = ask(world)
    made = node("present", world["state"], first_uri, "--no-submit")
    _second, second_uri = ask(world, "qilu-bank", ["holder_name"])
    other = node("present", world["state"], second_uri, "--no-submit")
    status, body = post(other["response_uri"], {"vp_token": made["vp_token"], "state": other["state"]})  # forwarded to the bank
    assert (status, body["error_description"]) == (400, "wrong_nonce")


@pytest.mark.parametrize(("status", "reason"), [("suspended", "credential_suspended"), ("revoked", "credential_revoked")])
def test_our_verifier_refuses_npm_presentations_of_withdrawn_credentials(world, status, reason):
    earlier, earlier_uri = ask(world)
    made = json.loads(node("present", world["state"], earlier_uri, "--no-submit")["vp_token"])["credential"][0]
    assert node("verify", world["base"], made, earlier.nonce, "lixia-hall-window")["valid"]
    credential_set_status(actor=world["issuer"], record_id=world["licence"].issuer_record_id, status=status)
    _request, uri = ask(world)
    answered = node("present", world["state"], uri, expect_ok=False)
    assert answered.get("status") == 400 and answered["body"]["error_description"] == reason, answered
    # @sd-jwt/sd-jwt-vc, fetching the list itself, now refuses the presentation made before the change
    late = node("verify", world["base"], made, earlier.nonce, "lixia-hall-window")
    assert not late["valid"] and "status" in late["error"].lower(), late
