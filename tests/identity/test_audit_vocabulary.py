"""The audit vocabulary is constants in code on a plain column (identity.actions): an action nobody
declared cannot be written, every action a use case declares reads in words in both languages, and
a new use case with a new action needs no identity migration."""

import importlib
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from core.usecases import REGISTRY, use_case
from identity import actions
from identity.actions import UnknownAuditAction
from identity.models import AuditEvent
from identity.services import audit_event, audit_record
from tests.core.test_use_cases import WRITE_MODULES
from tests.factories import UserFactory, sign_in_with_second_factor

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", autouse=True)
def _every_use_case_registered():
    for name in WRITE_MODULES:
        importlib.import_module(name)


def _declared_by_use_cases() -> set[str]:
    return {action for case in REGISTRY.values() for action in case.audit}


def test_the_column_has_no_choices():
    assert not AuditEvent._meta.get_field("action").choices


@pytest.mark.django_db
def test_an_action_nobody_declared_cannot_be_written(citizen):
    with pytest.raises(UnknownAuditAction):
        audit_record(action="made_up_action", actor=citizen, subject=citizen)
    with pytest.raises(UnknownAuditAction):  # the bulk writers' path (journal) builds events here
        audit_event(action="made_up_action", subject=citizen)
    with pytest.raises(UnknownAuditAction):
        AuditEvent(action="made_up_action", subject=citizen).save()
    with pytest.raises(UnknownAuditAction):  # retired: still reads in words, never written again
        audit_record(action=actions.Action.PROFILE_VIEWED, subject=citizen)
    assert not AuditEvent.objects.filter(action__in=["made_up_action", "profile_viewed"]).exists()


def test_every_action_a_use_case_declares_has_a_label_in_both_languages():
    missing, untranslated = [], []
    for action in sorted(_declared_by_use_cases() | actions.WRITTEN_OUTSIDE_USE_CASES):
        if action not in actions.vocabulary():
            missing.append(action)
            continue
        with translation.override("zh-hans"):
            chinese = actions.label(action)
        with translation.override("en"):
            english = actions.label(action)
        if not CJK.search(chinese) or CJK.search(english) or english == action:
            untranslated.append((action, chinese, english))
    assert missing == []
    assert untranslated == []


def test_the_vocabulary_is_what_use_cases_and_the_few_other_writers_declare():
    written = _declared_by_use_cases() | actions.WRITTEN_OUTSIDE_USE_CASES
    assert set(actions.vocabulary()) - actions.RETIRED == written


@pytest.mark.django_db
def test_a_new_use_case_with_a_new_action_needs_no_identity_migration(citizen):
    new_action = actions.declare("test_only_action", "测试专用事件")
    registered = set(REGISTRY)

    @use_case(audit=new_action)
    def something_new(*, actor: object):
        audit_record(action=new_action, actor=actor, subject=actor)

    try:
        something_new(actor=citizen)
        event = AuditEvent.objects.get(action=new_action)
        assert event.get_action_display() == "测试专用事件"
        out = io.StringIO()
        call_command("makemigrations", "identity", "--check", "--dry-run", stdout=out)  # exits non-zero on a change
        assert "No changes detected" in out.getvalue()
    finally:
        for name in set(REGISTRY) - registered:
            del REGISTRY[name]
        del actions._LABELS[new_action]


@pytest.mark.django_db
def test_who_used_my_data_the_api_and_admin_show_words(citizen, citizen_api, client, password):
    audit_record(action=actions.Action.DATA_EXPORTED, actor=citizen, subject=citizen)
    with translation.override("en"):
        body = citizen_api.get("/api/v1/me/audit-events/", HTTP_ACCEPT_LANGUAGE="en").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert any(row["action"] == "data_exported" and row["action_display"] == "Personal data exported" for row in rows), rows
    client.force_login(citizen)
    page = client.get("/account/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "导出个人数据" in page
    auditor = Client()
    sign_in_with_second_factor(auditor, UserFactory(is_staff=True, is_superuser=True))
    listed = auditor.get("/admin/identity/auditevent/?action=data_exported", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert listed.count("导出个人数据") >= 2  # the filter's choice and the row, in words
