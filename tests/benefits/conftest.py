"""Actors and a world for the 免申即享 tests: a drafter and a publisher (four eyes), the demo's elderly
allowance drafted and published, and ``person(...)`` to put someone in the population base."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from benefits.demo import DEMO_POLICIES
from benefits.models import Policy
from benefits.services import version_draft, version_publish
from identity import demo
from identity.models import Department, PopulationRecord, id_number_index
from tests.factories import UserFactory
from tests.services.conftest import run_on_commit_callbacks  # noqa: F401

DAY = dt.date(2026, 11, 15)  # in 2026-Q4, whose first day (2026-10-01) ages are counted at
ELDERLY = DEMO_POLICIES[0]


def _with(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="benefits", codename__in=codenames))
    return type(user).objects.get(pk=user.pk)  # a fresh object: Django caches permissions


@pytest.fixture
def drafter(db):
    return _with(UserFactory(name="起草人", is_staff=True), "add_policyversion")


@pytest.fixture
def publisher(db):
    return _with(UserFactory(name="发布人", is_staff=True), "add_policyversion", "publish_policyversion", "change_reviewitem")


@pytest.fixture
def department(db):
    return Department.objects.get_or_create(code="SD-MZT", defaults={"name": "山东省民政厅", "area_code": "370000"})[0]


@pytest.fixture
def policy(department):
    return Policy.objects.create(code=ELDERLY["code"], name=ELDERLY["name"], department=department, legal_basis=ELDERLY["legal_basis"])


def draft(policy, drafter, spec=ELDERLY, **changes):
    spec = {**spec, **changes}
    return version_draft(actor=drafter, policy=policy, rule=spec["rule"], fields=spec["fields"], benefit_text=spec["benefit_text"],
                         impact_assessment=spec["impact_assessment"], monthly_amount=spec["monthly_amount"], period=spec["period"],
                         benefit=spec["benefit"])


@pytest.fixture
def published(policy, drafter, publisher):
    return version_publish(actor=publisher, version=draft(policy, drafter))


_serial = iter(range(1, 10**6))


def person(born: dt.date, area: str = "370102", status: str = "normal", **user) -> PopulationRecord:
    """A population record and, with ``account=True``, the person's account (with a phone)."""
    number = demo.id_number(area, born, next(_serial) % 999 + 1)
    record = PopulationRecord.objects.create(id_number=number, id_number_index=id_number_index(number), name="测试", gender="M",
                                             birth_date=born, area_code=area, status=status)
    if user.get("account"):
        UserFactory(id_number=number, id_number_index=record.id_number_index, phone_number=user.get("phone", f"139{next(_serial):08d}"))
    return record
