import datetime as dt
import itertools

import pytest
from django.utils import timezone

from core import people
from family.models import FamilyLink
from identity import demo
from identity.models import id_number_index
from tests.factories import PopulationRecordFactory, UserFactory

_serial = itertools.count(501)


def person(born: dt.date, name: str, **extra):
    """An account and its population-base row, born on ``born``."""
    number = demo.id_number("370102", born, next(_serial))
    PopulationRecordFactory(id_number=number, id_number_index=id_number_index(number), name=name, birth_date=born)
    return UserFactory(id_number=number, id_number_index=id_number_index(number), name=name, **extra)


def years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days) if (today.month, today.day) != (2, 29) else \
        dt.date(today.year - years, 2, 28) - dt.timedelta(days=days)


@pytest.fixture
def parent(db):
    return person(dt.date(1985, 3, 4), "李梅", roles=["citizen"], phone_number="13800000611")


@pytest.fixture
def child(db):
    return person(dt.date(2016, 6, 1), "李小雨", roles=["citizen"])


@pytest.fixture
def adult_kin(db):
    return person(dt.date(1950, 9, 9), "李建国", roles=["citizen"], phone_number="13800000612")


@pytest.fixture
def clerk(db):
    from identity.roles import sync_roles

    sync_roles()
    return UserFactory(name="赵敏", roles=["clerk"])


def minor_link(parent, child, clerk) -> FamilyLink:
    """A parent's declared link with a minor, checked by a clerk."""
    from family import services

    link = services.family_link_request(actor=parent, id_number=child.id_number, name=child.name, relation="女儿")
    return services.family_link_verify(actor=clerk, link=link)


@pytest.fixture
def parent_of_child(parent, child, clerk):
    return minor_link(parent, child, clerk)


def eighteenth(born: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(people.coming_of_age(born), dt.time.min))
