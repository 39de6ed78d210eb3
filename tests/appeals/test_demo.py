"""The demo (seed_demo) holds cases in every state, exactly one yellow and one red card in the demo
reviewer's department, a month of scores, and loading it twice adds nothing."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from appeals.models import Case, Status
from appeals.scores import department_scores


@pytest.mark.django_db
def test_the_demo_has_every_state_two_cards_and_a_month_of_scores():
    call_command("seed_demo", "--citizens", "0", "--quiet")
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    cards = dict(Case.objects.exclude(card="").values_list("card", "department__code"))
    assert cards == {"yellow": "SD-GAT", "red": "SD-GAT"}
    count = Case.objects.count()
    call_command("seed_demo", "--citizens", "0", "--quiet")
    assert Case.objects.count() == count
    this_month = timezone.localdate().replace(day=1)
    figures = department_scores(month=this_month) + department_scores(month=this_month - dt.timedelta(days=1))
    assert sum(score.called_back for score in figures) >= 40 and {score.department for score in figures} >= {"山东省公安厅", "山东省人力资源和社会保障厅"}
