"""Each rule at its boundaries, rule versions, overrides and their expiry, and the plain-words reasons."""

import datetime as dt
from unittest import mock

import pytest

from core.errors import DomainError
from healthcode import models as hc
from healthcode import selectors, services, statuses
from healthcode.evaluation import evaluate_people
from healthcode.models import CloseContact, HealthStatus, RiskArea, Rule, SelfDeclaration, Stay
from tests.healthcode.conftest import ago


def status(person, now):
    evaluate_people([person.id_number_index], now=now)
    row = HealthStatus.objects.get(person_index=person.id_number_index)
    return row.colour, row.reason_codes


def lab_test(person, when, result="negative", n=[0]):  # noqa: B006 — a counter for unique ids
    n[0] += 1
    return hc.TestResult.objects.create(person_index=person.id_number_index, source="lab", external_id=f"T{n[0]}", kind="nucleic_acid",
                                     result=result, sampled_at=when, reported_at=when + dt.timedelta(hours=6))


def stay(person, area, arrived, left):
    item = Stay(person_index=person.id_number_index, area_code=area, arrived_at=arrived, left_at=left, source="declaration")
    item.save()
    return item


def test_no_data_is_green_with_a_plain_reason(person, now):
    assert status(person, now) == ("green", [])
    assert [r["code"] for r in selectors.explain(statuses.status_for(person.id_number_index))] == ["none"]


@pytest.mark.parametrize(("age", "colour"), [(dt.timedelta(days=14), "red"), (dt.timedelta(days=14, seconds=1), "green"), (dt.timedelta(0), "red")])
def test_positive_within_14_days_is_red(person, now, age, colour):
    lab_test(person, now - age, result="positive")
    assert status(person, now)[0] == colour


def test_a_positive_test_in_the_future_does_not_count_yet(person, now):
    lab_test(person, now + dt.timedelta(hours=1), result="positive")
    assert status(person, now)[0] == "green"


@pytest.fixture
def high_risk(rules, now):
    return RiskArea.objects.create(area_code="370203", name="市北区", level="high", starts_at=ago(now, days=30))


@pytest.mark.parametrize(("left_ago", "colour"), [(dt.timedelta(days=14), "yellow"), (dt.timedelta(days=14, seconds=1), "green")])
def test_high_risk_stay_counts_for_exactly_14_days(person, now, high_risk, left_ago, colour):
    stay(person, "370203", now - left_ago - dt.timedelta(hours=5), now - left_ago)
    assert status(person, now) == (colour, ["high-risk-area"] if colour == "yellow" else [])


@pytest.mark.parametrize(
    ("after_leaving", "colour"),
    [(dt.timedelta(hours=72), "green"), (dt.timedelta(hours=72) - dt.timedelta(seconds=1), "yellow"), (dt.timedelta(hours=-2), "yellow")],
    ids=["exactly-72h-clears", "just-under-72h", "test-before-leaving"],
)
def test_negative_test_72_hours_after_leaving_clears_yellow(person, now, high_risk, after_leaving, colour):
    left = ago(now, days=5)
    stay(person, "370203", ago(now, days=6), left)
    lab_test(person, left + after_leaving)
    assert status(person, now)[0] == colour


def test_city_and_province_level_risk_areas_cover_their_counties(person, now, rules):
    RiskArea.objects.create(area_code="370600", name="烟台市", level="high", starts_at=ago(now, days=10))
    stay(person, "370602", ago(now, days=2), ago(now, days=1))
    assert status(person, now)[0] == "yellow"


def test_a_stay_outside_the_risk_period_or_at_a_lower_level_does_not_count(person, now, rules):
    RiskArea.objects.create(area_code="370203", name="市北区", level="high", starts_at=ago(now, days=3))
    RiskArea.objects.create(area_code="370202", name="市南区", level="medium", starts_at=ago(now, days=30))
    stay(person, "370203", ago(now, days=6), ago(now, days=5))  # left before the area became high-risk
    stay(person, "370202", ago(now, days=2), ago(now, days=1))  # medium risk; the rule is about high risk
    assert status(person, now)[0] == "green"


def test_symptoms_make_yellow_until_declared_gone(person, now, rules):
    SelfDeclaration.objects.create(person_index=person.id_number_index, symptoms=True, declared_at=ago(now, days=2))
    assert status(person, now) == ("yellow", ["symptoms"])
    SelfDeclaration.objects.create(person_index=person.id_number_index, symptoms=False, declared_at=ago(now, days=1))
    assert status(person, now)[0] == "green"


def test_close_contact_is_red_until_released(person, now, rules):
    contact = CloseContact.objects.create(person_index=person.id_number_index, listed_at=ago(now, days=3))
    assert status(person, now) == ("red", ["close-contact"])
    contact.released_at = ago(now, hours=1)
    contact.save()
    assert status(person, now)[0] == "green"


def test_red_wins_over_yellow_and_every_reason_is_kept(person, now, rules, high_risk):
    lab_test(person, ago(now, days=1), result="positive")
    stay(person, "370203", ago(now, days=3), ago(now, days=2))
    colour, reasons = status(person, now)
    assert colour == "red" and set(reasons) == {"positive-test", "high-risk-area"}
    words = [r["text"] for r in selectors.explain(statuses.status_for(person.id_number_index))]
    assert "14天内核酸或抗原检测结果为阳性" in words and any("高风险区域" in w for w in words)


def test_status_says_when_it_must_be_re_evaluated(person, now, rules):
    lab_test(person, ago(now, days=13, hours=12), result="positive")
    evaluate_people([person.id_number_index], now=now)
    row = HealthStatus.objects.get(person_index=person.id_number_index)
    assert row.valid_until == now + dt.timedelta(hours=12)  # when the positive test leaves the window
    # Reading after that time re-evaluates on the spot.
    with mock.patch("django.utils.timezone.now", return_value=row.valid_until + dt.timedelta(seconds=1)):
        assert statuses.status_for(person.id_number_index)["colour"] == "green"


def test_a_new_rule_version_changes_colours_and_is_recorded(person, now, rules, officer, django_capture_on_commit_callbacks):
    lab_test(person, ago(now, days=10), result="positive")
    assert status(person, now)[0] == "red"
    draft = services.ruleset_copy(ruleset=rules, actor=officer)
    Rule.objects.filter(ruleset=draft, code="positive-test").update(days=7, explanation="7天内检测阳性")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.ruleset_publish(actor=officer, ruleset=draft)
    job.refresh_from_db()
    assert job.state == "done" and job.rule_version == 2
    row = HealthStatus.objects.get(person_index=person.id_number_index)
    assert (row.colour, row.rule_version) == ("green", 2)
    rules.refresh_from_db()
    assert not rules.in_force and rules.rules.get(code="positive-test").days == 14  # the old version is untouched
    with pytest.raises(DomainError):
        services.ruleset_publish(actor=officer, ruleset=draft)


def test_override_holds_until_it_expires(person, now, rules, officer):
    lab_test(person, ago(now, days=1), result="positive")
    assert status(person, now)[0] == "red"
    until = now + dt.timedelta(hours=2)
    services.override_set(actor=officer, person_index=person.id_number_index, colour="green", expires_at=until, note="复核为假阳性")
    assert statuses.status_for(person.id_number_index)["colour"] == "green"  # set in effect at once
    assert status(person, now + dt.timedelta(minutes=1)) == ("green", ["override"])
    assert HealthStatus.objects.get(person_index=person.id_number_index).valid_until == until
    assert status(person, until)[0] == "red"  # at expiry the rules apply again
    with mock.patch("django.utils.timezone.now", return_value=until + dt.timedelta(seconds=1)):
        assert statuses.status_for(person.id_number_index)["colour"] == "red"


def test_each_persons_data_counts_for_that_person_only(person, now, high_risk):
    """Four kinds of trigger on a neighbour leave this person green; the neighbour's later 'no
    symptoms' does not clear this person's symptoms."""
    from tests.factories import UserFactory
    from tests.healthcode.conftest import with_record

    neighbour = with_record(UserFactory(), area="370203")
    lab_test(neighbour, ago(now, days=1), result="positive")
    CloseContact.objects.create(person_index=neighbour.id_number_index, listed_at=ago(now, days=1))
    stay(neighbour, "370203", ago(now, days=3), ago(now, days=2))
    SelfDeclaration.objects.create(person_index=neighbour.id_number_index, symptoms=True, declared_at=ago(now, days=1))
    assert status(person, now) == ("green", [])
    colour, reasons = status(neighbour, now)
    assert colour == "red" and set(reasons) == {"positive-test", "close-contact", "high-risk-area", "symptoms"}
    SelfDeclaration.objects.create(person_index=person.id_number_index, symptoms=True, declared_at=ago(now, days=2))
    SelfDeclaration.objects.create(person_index=neighbour.id_number_index, symptoms=False, declared_at=ago(now, hours=1))
    assert status(person, now) == ("yellow", ["symptoms"])
    # A negative test of the neighbour after leaving does not clear this person's stay.
    stay(person, "370203", ago(now, days=6), ago(now, days=5))
    lab_test(neighbour, ago(now, days=1))
    assert "high-risk-area" in status(person, now)[1]


@pytest.mark.parametrize("trigger", ["close-contact", "symptoms", "stay"])
def test_records_dated_after_now_or_before_the_window_do_not_count(person, now, high_risk, trigger):
    future, old = now + dt.timedelta(hours=1), ago(now, days=30)
    for when in (future, old):
        if trigger == "close-contact":
            CloseContact.objects.create(person_index=person.id_number_index, listed_at=when)
        elif trigger == "symptoms":
            SelfDeclaration.objects.create(person_index=person.id_number_index, symptoms=True, declared_at=when)
        else:
            stay(person, "370203", when, when + dt.timedelta(hours=2))
    assert status(person, now) == ("green", [])


def test_a_province_level_risk_area_covers_its_counties(person, now, rules):
    RiskArea.objects.create(area_code="370000", name="山东省", level="high", starts_at=ago(now, days=30))
    stay(person, "370203", ago(now, days=3), ago(now, days=2))
    assert status(person, now)[0] == "yellow"


def test_a_status_stays_valid_only_until_its_earliest_trigger_ages_out(person, now, rules):
    lab_test(person, ago(now, days=13, hours=12), result="positive")  # ages out in 12 hours
    evaluate_people([person.id_number_index], now=now)
    row = HealthStatus.objects.get(person_index=person.id_number_index)
    assert row.valid_until == ago(now, days=13, hours=12) + dt.timedelta(days=14)
    HealthStatus.objects.all().delete()
    evaluate_people([person.id_number_index], now=ago(now, days=5))  # the trigger ages out after more than a day: re-read in a day
    assert HealthStatus.objects.get(person_index=person.id_number_index).valid_until == ago(now, days=4)


def test_an_override_is_for_its_person_from_its_start_and_the_newest_one_decides(person, now, rules):
    from tests.factories import UserFactory
    from tests.healthcode.conftest import with_record

    neighbour, officer = with_record(UserFactory()), UserFactory()
    lab_test(person, ago(now, days=1), result="positive")
    lab_test(neighbour, ago(now, days=1), result="positive")
    hc.Override.objects.create(person_index=person.id_number_index, colour="yellow", starts_at=ago(now, days=2), expires_at=now + dt.timedelta(days=3),
                               note="older", officer=officer)
    hc.Override.objects.create(person_index=person.id_number_index, colour="green", starts_at=ago(now, hours=1), expires_at=now + dt.timedelta(days=2),
                               note="newest", officer=officer)
    hc.Override.objects.create(person_index=person.id_number_index, colour="red", starts_at=now + dt.timedelta(hours=1),
                               expires_at=now + dt.timedelta(days=5), note="not yet", officer=officer)
    assert status(person, now) == ("green", ["override"])
    assert HealthStatus.objects.get(person_index=person.id_number_index).valid_until <= now + dt.timedelta(days=1)
    assert status(neighbour, now) == ("red", ["positive-test"])  # someone else's override changes nothing here


def test_the_latest_declaration_by_when_it_was_declared_decides_not_the_order_it_arrived(person, now, rules):
    SelfDeclaration.objects.create(person_index=person.id_number_index, symptoms=True, declared_at=ago(now, days=1))
    SelfDeclaration.objects.create(person_index=person.id_number_index, symptoms=False, declared_at=ago(now, days=2))  # arrives later, declared earlier
    assert status(person, now) == ("yellow", ["symptoms"])


def test_a_status_cached_by_a_reader_during_the_writing_transaction_is_dropped_at_commit(person, now, django_capture_on_commit_callbacks):
    """A concurrent reader cannot see the new row until commit and may cache the old one meanwhile:
    the evaluation drops the cache entry again once it commits."""
    from django.core.cache import cache

    from healthcode import status_cache

    key = status_cache.key(person.id_number_index)
    with django_capture_on_commit_callbacks(execute=True):
        lab_test(person, ago(now, days=1), result="positive")
        evaluate_people([person.id_number_index], now=now)
        cache.set(key, {"colour": "green"}, 300)  # what a reader outside the transaction would have cached
    assert cache.get(key) is None
