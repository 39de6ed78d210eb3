"""``seed_demo`` is for ``make run`` and tests: with ``QILU_ENV=prod`` it refuses with a clear error and
writes nothing — no superuser, staff or issuing-system keys with the README's password and
authenticator secret."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from identity.models import ApiClient, PopulationRecord, User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_production_and_writes_nothing(settings):
    settings.IS_PROD = True
    with pytest.raises(CommandError, match="QILU_ENV=prod"):
        call_command("seed_demo", "--citizens", "5", "--quiet")
    assert not User.objects.exists()
    assert not Authenticator.objects.exists()
    assert not ApiClient.objects.exists()
    assert not PopulationRecord.objects.exists()


def test_seed_demo_still_runs_outside_production(settings):
    settings.IS_PROD = False
    call_command("seed_demo", "--citizens", "0", "--quiet")
    assert User.objects.filter(is_superuser=True).count() == 1
