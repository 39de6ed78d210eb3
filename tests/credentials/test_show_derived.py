"""亮证 computes what depends on the credential alone once per held copy (issue 25, ``credentials.held.derived``):
the disclosed view and the kept entry's credential part are made for the first code of a copy and reused
for the next, and made afresh once the credential changes (a new copy); what a scan is kept is the same
JSON as the whole entry encoded at once; the expiry is decided as ``effective_status`` decides it."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from credentials import held, services, shown
from credentials.models import Credential
from identity import crypto


def _show(api, credential, disclose=("licence_class",)):
    answer = api.post(f"/api/v1/wallet/{credential.identifier}/presentations/", {"disclose": list(disclose)}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def _kept(client, presentation_id: str) -> dict:
    key = shown._key(presentation_id.replace("-", ""))
    return json.loads(crypto.decrypt_bytes(client.get(key), context=key))


def _commit():
    """What a commit does for credentials.held here (tests/credentials/test_held.py: commit)."""
    pending = [func for _savepoints, func, _robust in connection.run_on_commit if isinstance(func, held._Publish)]
    connection.run_on_commit = [entry for entry in connection.run_on_commit if not isinstance(entry[1], held._Publish)]
    for publish in pending:
        publish()


@pytest.fixture
def views_made(monkeypatch):
    made = []
    real = services.disclosed_view

    def counted(credential, disclose):
        made.append(list(disclose))
        return real(credential, disclose)

    monkeypatch.setattr(services, "disclosed_view", counted)
    return made


def test_the_view_is_made_once_per_copy_and_afresh_after_a_change(redis_journal, citizen_api, licence, views_made):
    _commit()
    first = _show(citizen_api, licence)  # the copy made from the row, opened as the next reads open it: its view kept from this code
    second = _show(citizen_api, licence)
    assert views_made == [["licence_class"]]  # the second code of the same copy reused it
    assert _kept(redis_journal, first["id"])["view"] == _kept(redis_journal, second["id"])["view"]
    _show(citizen_api, licence, disclose=("licence_class", "holder_number"))
    assert views_made[-1] == ["holder_number", "licence_class"]  # another choice of fields: its own view
    Credential.objects.filter(pk=licence.pk).update(holder_name="李四")  # a change: the stamp moves, a new copy
    _commit()
    third = _show(citizen_api, licence)
    assert _kept(redis_journal, third["id"])["view"]["holder_name"] == "李四"
    assert views_made[-1] == ["licence_class"] and len(views_made) == 3
    _show(citizen_api, licence)  # the new copy, read: its view reused
    _show(citizen_api, licence)
    assert len(views_made) == 3


def test_what_a_scan_is_kept_is_the_whole_entry_encoded_at_once(licence, citizen):
    view = services.disclosed_view(licence, ["licence_class"])
    now = dt.datetime.now(dt.UTC)
    code = services.ShownCode(id=uuid.uuid4(), credential_id=licence.pk, presenter_id=citizen.pk, on_behalf=False,
                              disclosed=["licence_class"], created_at=now, expires_at=now + dt.timedelta(seconds=60))
    labels = {"zh": {}, "en": {}}
    from credentials.claims import labelled_claims

    for name, zh, en in labelled_claims(licence.type):
        labels["zh"][name], labels["en"][name] = zh, en
    whole = {"credential": licence.pk, "type": licence.type_id, "presenter": citizen.pk, "on_behalf": False, "disclosed": ["licence_class"],
             "created": now.timestamp(), "expires": code.expires_at.timestamp(), "status": licence.status,
             "expires_on": licence.expires_on.isoformat() if licence.expires_on else None, "photo": bool(licence.photo), "view": view, "labels": labels}
    for part in (None, shown.credential_part(licence, view)):
        key, blob, seconds = shown._kept(code, licence, view, part)
        assert crypto.decrypt_bytes(blob, context=key) == json.dumps(whole, ensure_ascii=False, separators=(",", ":")).encode()
        assert 60 <= seconds <= 120
        with pytest.raises(crypto.provider_.CryptoError):
            crypto.decrypt_bytes(blob, context=shown._key("0" * 32))  # bound to its own code's key


@pytest.mark.parametrize("status", [Credential.Status.VALID, Credential.Status.SUSPENDED])
def test_the_expiry_is_decided_on_the_local_date_of_each_moment(licence, monkeypatch, status):
    # credentials.models.local_today keeps the local date for its day: the one rule (status_on) sees each moment's date
    from credentials import models

    licence.status, licence.expires_on = status, dt.date(2030, 6, 30)
    for zone in ("Asia/Shanghai", "America/Los_Angeles"):
        with timezone.override(zone):
            midnight = dt.datetime(2030, 7, 1, tzinfo=timezone.get_current_timezone()).timestamp()  # the start of the day after, there
            for moment in (midnight - 86400 * 400, midnight - 1, midnight - 0.001, midnight, midnight + 1, midnight + 86400 * 400, midnight - 1):
                monkeypatch.setattr(models.timezone, "now", lambda moment=moment: dt.datetime.fromtimestamp(moment, tz=dt.UTC))
                today = dt.datetime.fromtimestamp(moment, tz=timezone.get_current_timezone()).date()
                assert models.local_today() == today, (zone, moment)
                expected = Credential.Status.EXPIRED if status == Credential.Status.VALID and moment >= midnight else status
                assert licence.effective_status() == expected, (zone, moment)
    licence.expires_on = None
    assert licence.effective_status() == status
    licence.expires_on = dt.date.max  # no day after it
    assert licence.effective_status() == status


def test_a_credential_not_read_from_a_copy_keeps_nothing(licence):
    assert held.derived(licence) == {} and held.derived(licence) is not held.derived(licence)
