"""A reference number already taken is drawn again (core/references.py): eight random digits a day meet an
earlier number about fifty times a day at 100,000 applications, and each meeting was a 500."""

import itertools

import pytest
from django.db import IntegrityError

from core import references
from services.models import Application
from tests.services.test_lifecycle import apply


def test_a_submission_whose_number_is_taken_gets_another(holder_api, monkeypatch):
    first = apply(holder_api, "JT-001", key="numbers-1", seats="5")
    assert first.status_code == 201
    taken = first.json()["number"]
    draws = iter([taken, taken, "QL2026120700000042"])
    monkeypatch.setattr("services.services.applications._new_number", lambda: next(draws))

    second = apply(holder_api, "JT-001", key="numbers-2", seats="5")

    assert second.status_code == 201, second.content
    assert second.json()["number"] == "QL2026120700000042"
    assert Application.objects.filter(number=taken).count() == 1 and Application.objects.count() == 2


def test_a_retry_of_the_same_request_still_answers_its_first_application(holder_api, monkeypatch):
    first = apply(holder_api, "JT-001", key="numbers-again", seats="5")
    numbers = (f"QL2026120700{n:06d}" for n in itertools.count())
    monkeypatch.setattr("services.services.applications._new_number", lambda: next(numbers))
    again = apply(holder_api, "JT-001", key="numbers-again", seats="5")
    assert again.json()["number"] == first.json()["number"] and Application.objects.count() == 1


def test_after_five_taken_numbers_the_refusal_is_raised(db, monkeypatch):
    row = Application(number="QL-X")
    monkeypatch.setattr(row, "save", lambda **kwargs: (_ for _ in ()).throw(IntegrityError("duplicate key value")))
    monkeypatch.setattr(Application._default_manager, "filter", lambda **kwargs: type("Q", (), {"exists": lambda self: True})())
    drawn = []
    with pytest.raises(IntegrityError):
        references.insert_numbered(row, lambda: drawn.append(1) or f"QL{len(drawn)}")
    assert len(drawn) == references.ATTEMPTS
