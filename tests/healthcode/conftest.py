import datetime as dt

import pytest
from django.utils import timezone

from healthcode.demo import default_ruleset
from tests.factories import PopulationRecordFactory, UserFactory, api_as, fresh_signing_key


@pytest.fixture(autouse=True)
def signing_key(db):
    from healthcode.api.answers import _pass_status
    from healthcode.selectors import _RULE_WORDS

    _RULE_WORDS.clear()  # each test's database starts again from rule version 1
    _pass_status.cache_clear()  # and the pass answers' reasons written from its words
    return fresh_signing_key()


@pytest.fixture
def rules(db):
    return default_ruleset()


def with_record(user, area="370102"):
    """People get their status through the population base, as real citizens do."""
    PopulationRecordFactory(id_number=user.id_number, id_number_index=user.id_number_index, name=user.name, area_code=area)
    return user


@pytest.fixture
def person(rules, citizen):
    return with_record(citizen)


@pytest.fixture
def person_api(person):
    return api_as(person)


@pytest.fixture
def checker(db):
    return UserFactory(name="吴磊", roles=["checkpoint"])


@pytest.fixture
def checker_api(checker):
    return api_as(checker)


@pytest.fixture
def officer(db):
    return UserFactory(name="孙静", roles=["health_officer"], is_staff=True)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def ago(now, **delta):
    return now - dt.timedelta(**delta)
