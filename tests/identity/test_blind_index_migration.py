"""The blind-index migration HMAC-SHA256 → HMAC-SM3 loses no look-up: people sign in (by ID number,
by phone) and are found in every phase, and the columns that hold their index follow them."""

import io
import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from core.crypto import algorithms as algs
from healthcode.models import SelfDeclaration
from identity import blind_indexes, crypto, selectors, services
from identity.models import PopulationRecord, SmsMessage, User
from tests.factories import PopulationRecordFactory, UserFactory
from tests.identity.test_sign_in import Mobile, last_code

pytestmark = pytest.mark.django_db


def can_be_found(person: User, phone: str, password: str) -> None:
    cache.clear()  # the code-request rate limit is not what this checks
    status, body = Mobile().post("/auth/login", {"username": person.id_number, "password": password})
    assert status == 200 and body["meta"]["is_authenticated"], body
    app = Mobile()
    assert app.post("/auth/code/request", {"phone": phone})[0] == 401
    status, body = app.post("/auth/code/confirm", {"code": last_code()})
    assert status == 200 and body["meta"]["is_authenticated"], body
    assert services.reset_account(phone) == person  # found by phone
    assert services.reset_account(person.id_number) == person  # found by ID number
    assert selectors.real_name_matches(id_number=person.id_number, name=person.name)  # the population base, by ID number
    fresh = User.objects.get(pk=person.pk)
    assert SelfDeclaration.objects.get(note=f"of {person.pk}").person_index == fresh.id_number_index  # what other tables hold follows


def person(name: str, phone: str, password: str) -> User:
    user = UserFactory(name=name, phone_number=phone, password=password)
    PopulationRecordFactory(id_number=user.id_number, name=name)
    SelfDeclaration.objects.create(person_index=user.id_number_index, symptoms=False, note=f"of {user.pk}")
    return user


def hmac(alg, value, purpose):
    return crypto.blind_index_with(alg, value, purpose=purpose)


def test_every_phase_finds_everyone_and_the_old_index_is_gone_at_the_end(settings, password, tmp_path):
    settings.QILU_BLIND_INDEX = "hmac-sha256"
    before = person("张三", "13800000301", password)
    can_be_found(before, "13800000301", password)
    assert User.objects.get(pk=before.pk).id_number_index == hmac(algs.HMAC_SHA256, before.id_number, "id_number")

    settings.QILU_BLIND_INDEX = "dual"
    can_be_found(before, "13800000301", password)  # not staged yet
    during = person("李四", "13800000302", password)  # written in both
    staged = User.objects.get(pk=during.pk)
    assert staged.id_number_index == hmac(algs.HMAC_SHA256, during.id_number, "id_number")
    assert staged.id_number_index_next == hmac(algs.HMAC_SM3, during.id_number, "id_number")
    assert staged.phone_index_next == hmac(algs.HMAC_SM3, "13800000302", "phone")
    out = io.StringIO()
    call_command("blind_index", "fill", "--batch", "1", "--checkpoint", str(tmp_path / "fill.json"), stdout=out)
    assert "filled 3 index values" in out.getvalue()  # the first person's ID and phone, and their base record
    for each in (before, during):
        can_be_found(each, each.phone, password)

    out = io.StringIO()
    call_command("blind_index", "switch", "--checkpoint", str(tmp_path / "fill.json"), stdout=out)
    assert "healthcode.SelfDeclaration.person_index: 2 rewritten" in out.getvalue()
    old = {hmac(algs.HMAC_SHA256, each.id_number, "id_number") for each in (before, during)}
    assert not User.objects.filter(id_number_index__in=old).exists()  # the old index is dropped everywhere
    assert not PopulationRecord.objects.filter(id_number_index__in=old).exists()
    assert not SelfDeclaration.objects.filter(person_index__in=old).exists()
    assert not SmsMessage.objects.filter(phone_index__in={hmac(algs.HMAC_SHA256, each.phone, "phone") for each in (before, during)}).exists()
    for each in (before, during):  # still dual: the servers not yet redeployed find everyone
        can_be_found(each, each.phone, password)

    settings.QILU_BLIND_INDEX = "hmac-sm3"
    after = person("王五", "13800000303", password)
    for each in (before, during, after):
        can_be_found(each, each.phone, password)
        row = User.objects.get(pk=each.pk)
        assert row.id_number_index == hmac(algs.HMAC_SM3, each.id_number, "id_number")
        assert row.phone_index == hmac(algs.HMAC_SM3, each.phone, "phone")
        assert row.id_number_index_next is None and row.phone_index_next is None
    assert SelfDeclaration.objects.get(note=f"of {after.pk}").person_index == hmac(algs.HMAC_SM3, after.id_number, "id_number")


def test_the_steps_run_only_while_dual(settings):
    settings.QILU_BLIND_INDEX = "hmac-sm3"
    with pytest.raises(CommandError, match="while it is 'dual'"):
        call_command("blind_index", "switch")


def test_every_index_column_is_accounted_for():
    listed = {f"{m}.{f}" for m, _p, f, _u in blind_indexes.SOURCES} | set(blind_indexes.PERSON_COLUMNS) | set(blind_indexes.PHONE_COLUMNS) \
        | set(blind_indexes.OTHER_INDEXES) | set(blind_indexes.FOLLOWING)
    found = {f"{model._meta.label}.{field.name}" for model in apps.get_models() for field in model._meta.concrete_fields
             if re.search(r"_index$", field.name) and field.get_internal_type() == "CharField"}
    assert found == listed
