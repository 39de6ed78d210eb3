"""Privacy: another department's staff get 404 for a case; the contact is encrypted at rest; every
staff view of a reporter's case is audited and shown in their "who used my data" (the reporter's own
look is not); after the retention period a closed case loses its person while the scores stay."""

import datetime as dt

import pytest
from django.db import connection

from appeals import selectors
from appeals.actions import CASE_VIEWED
from appeals.models import Case, Status
from appeals.scores import department_scores
from appeals.services.privacy import case_open, cases_anonymise
from core.errors import NotFound
from core.usecases import SYSTEM
from identity.models import AuditEvent
from identity.selectors import data_use_by_others
from tests.appeals.conftest import SHANGHAI


def test_other_departments_get_not_found(make_case, other_handler):
    case = make_case(Status.IN_PROGRESS)
    with pytest.raises(NotFound):
        selectors.case_for_staff(other_handler, case.number)
    with pytest.raises(NotFound):
        case_open(actor=other_handler, case=case)
    assert not AuditEvent.objects.filter(action=CASE_VIEWED).exists()


def test_the_contact_is_encrypted_at_rest(make_case):
    case = make_case(Status.NEW, contact_name="张三", contact_phone="13800000201")
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_name, contact_phone FROM appeals_case WHERE id = %s", [case.pk])
        name, phone = (bytes(value) for value in cursor.fetchone())
    assert "张三".encode() not in name and b"13800000201" not in phone
    assert Case.objects.get(pk=case.pk).contact_phone == "13800000201"


def test_each_staff_view_is_audited_and_shown_to_the_reporter(make_case, handler, dispatcher, reporter):
    case = make_case(Status.IN_PROGRESS)
    case_open(actor=handler, case=case)
    case_open(actor=dispatcher, case=case)
    case_open(actor=reporter, case=case)
    seen = data_use_by_others(reporter).filter(action=CASE_VIEWED)
    assert seen.count() == 2 and {event.detail["case"] for event in seen} == {case.number}
    assert {event.actor for event in seen} == {handler, dispatcher}


def test_the_department_sees_the_phone_but_not_an_anonymous_reporters(make_case, handler):
    named = make_case(Status.IN_PROGRESS, contact_name="张三丰", contact_phone="13800000201")
    anonymous = make_case(Status.IN_PROGRESS, reporter=None, anonymous=True, contact_name="张三丰", contact_phone="13800000201")
    assert selectors.contact_for(handler, named) == {"name": "张*丰", "phone": "13800000201"}
    assert selectors.contact_for(handler, anonymous)["phone"] != "13800000201"


def test_anonymised_after_retention_with_the_scores_intact(make_case, reporter, settings):
    settings.QILU_CASE_RETENTION_DAYS = 30
    day = dt.datetime(2026, 1, 5, 10, tzinfo=SHANGHAI)
    old = make_case(Status.CLOSED, dispatched_at=day, return_due=day + dt.timedelta(days=2), accepted_at=day, closed_at=day,
                    called_back_at=day, solved=True, satisfied=True)
    recent = make_case(Status.CLOSED, closed_at=dt.datetime(2026, 2, 20, tzinfo=SHANGHAI))
    before = department_scores(month=dt.date(2026, 1, 1))
    assert cases_anonymise(actor=SYSTEM, today=dt.date(2026, 3, 1)) == 1
    old.refresh_from_db()
    assert (old.reporter, old.contact_phone, old.contact_name, old.anonymised_at is not None) == (None, None, None, True)
    assert "路灯" not in old.text
    assert Case.objects.get(pk=recent.pk).reporter == reporter
    assert department_scores(month=dt.date(2026, 1, 1)) == before
    assert cases_anonymise(actor=SYSTEM, today=dt.date(2026, 3, 1)) == 0
