"""A clerk's scan answers the same bytes whichever way it is decided (issue 25): for every reason —
valid (with the photo, the full ID number, in English), expired, already used, unknown presentation,
bad signature, malformed, a credential revoked or suspended after it was shown — the answer is
byte for byte the JSON renderer's writing of what the database computes: the reason's words in the
clerk's language, the credential's disclosed view (``disclosed_view``) and its rows labelled
(``claim_labels``). Each is scanned from what Redis kept at show time (the hot path) and, where the
presentation's row exists, from the database with Redis's copy gone."""

from unittest import mock

import cbor2
import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from core import journal
from credentials import services, signing
from credentials.claims import claim_labels
from credentials.models import Credential, Verification
from credentials.services import credential_set_status

VERIFY = "/api/v1/verifications/"
LANGUAGES = {"zh": "zh-hans", "en": "en"}


def _drop(redis, *patterns):
    keys = [key for pattern in patterns for key in redis.keys(pattern)]
    if keys:
        redis.delete(*keys)


@pytest.fixture(autouse=True)
def _redis(redis_journal):
    _drop(redis_journal, "qilu:credential-changed:*")  # the licence's issue is long past for a code shown now
    return redis_journal


def _show(citizen_api, licence, disclose):
    answer = citizen_api.post(f"/api/v1/wallet/{licence.identifier}/presentations/", {"disclose": disclose}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()["payload"]


def _from_the_database(redis_journal):
    """The presentation's row written (the journal drained), and what Redis kept of the code gone."""
    journal.Consumer("t-bytes", block_ms=10).run_once()
    _drop(redis_journal, "qilu:shown:*")


def _expected(answer, *, reason: str, credential: Credential | None = None, disclose=(), language="zh", on_behalf=False) -> bytes:
    verification_id = answer.json()["verification_id"]
    valid = reason == "valid"
    with translation.override(LANGUAGES[language]):
        message = str(Verification.Reason(reason).label)
        view = services.disclosed_view(credential, disclose) if valid else None
        labels = claim_labels(credential.type) if valid else {}
    rows = [{"key": key, "label": labels.get(key, key), "value": value} for key, value in view["fields"].items()] if valid else []
    return JSONRenderer().render({
        "valid": valid, "reason": reason, "message": message, "credential": view, "fields": rows, "verification_id": verification_id,
        "on_behalf": on_behalf, "photo_url": f"/api/v1/verifications/{verification_id}/photo.jpg" if valid and view["photo"] else None})


def _scan(clerk_api, token, language="zh"):
    answer = clerk_api.post(VERIFY, {"payload": token}, format="json", HTTP_ACCEPT_LANGUAGE=LANGUAGES[language])
    assert answer.status_code == 200, answer.content
    return answer


@pytest.mark.parametrize("kept", [True, False], ids=["redis", "database"])
@pytest.mark.parametrize(("disclose", "language"), [(["licence_class"], "zh"), (["licence_class"], "en"),
                                                    (["photo", "holder_number", "licence_class"], "zh"), (["photo", "licence_number"], "en")])
def test_a_valid_code_answers_what_the_database_computes(kept, disclose, language, citizen_api, clerk_api, licence, _redis):
    licence.photo = "aGVsbG8="  # any photo: the answer only says it was shown
    licence.save()
    _drop(_redis, "qilu:credential-changed:*")
    token = _show(citizen_api, licence, disclose)
    if not kept:
        _from_the_database(_redis)
    answer = _scan(clerk_api, token, language)
    assert answer.content == _expected(answer, reason="valid", credential=Credential.objects.get(pk=licence.pk), disclose=disclose, language=language)


@pytest.mark.parametrize("kept", [True, False], ids=["redis", "database"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_code_scanned_twice_is_already_used(kept, language, citizen_api, clerk_api, licence, _redis):
    token = _show(citizen_api, licence, ["licence_class"])
    if not kept:
        _from_the_database(_redis)
    _scan(clerk_api, token, language)
    again = _scan(clerk_api, token, language)
    assert again.content == _expected(again, reason="already_used", language=language)


@pytest.mark.parametrize("kept", [True, False], ids=["redis", "database"])
@pytest.mark.parametrize(("status", "reason"), [("revoked", "credential_revoked"), ("suspended", "credential_suspended")])
def test_a_credential_changed_after_it_was_shown(kept, status, reason, citizen_api, clerk_api, licence, issuer, _redis):
    token = _show(citizen_api, licence, ["licence_class"])
    if not kept:
        _from_the_database(_redis)
    credential_set_status(actor=issuer[0], record_id="DL-1", status=status)
    answer = _scan(clerk_api, token, "en")
    assert answer.content == _expected(answer, reason=reason, language="en")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_expired_code(language, citizen_api, clerk_api, licence):
    token = _show(citizen_api, licence, ["licence_class"])
    with mock.patch("time.time", return_value=signing.verify_compact(token, kind=services.PRESENTATION_KIND)["exp"] + 1):
        answer = _scan(clerk_api, token, language)
    assert answer.content == _expected(answer, reason="expired", language=language)


def test_a_code_nobody_kept_is_an_unknown_presentation(citizen_api, clerk_api, licence, _redis):
    token = _show(citizen_api, licence, ["licence_class"])
    _drop(_redis, "qilu:shown:*", journal.STREAM)  # neither kept in Redis nor ever written
    answer = _scan(clerk_api, token)
    assert answer.content == _expected(answer, reason="unknown_presentation")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_forged_or_garbled_code(language, citizen_api, clerk_api, licence):
    token = _show(citizen_api, licence, ["licence_class"])
    protected, unprotected, payload, signature = _cose(token)
    claims = cbor2.loads(payload)
    claims[4] += 3600
    forged = "QL1:" + signing.base45_encode(cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims), signature])))
    answer = _scan(clerk_api, forged, language)
    assert answer.content == _expected(answer, reason="bad_signature", language=language)
    for text in ("hello", "QL1:" + "A" * 301):  # the second refusal with the same words: its id in the same written bytes
        garbled = _scan(clerk_api, text, language)
        assert garbled.content == _expected(garbled, reason="malformed", language=language)


def _cose(token):
    import zlib

    raw = signing.base45_decode(token[len(signing.COMPACT_PREFIX):])
    message = cbor2.loads(zlib.decompress(raw) if raw[:1] == b"\x78" else raw)
    return message.value
