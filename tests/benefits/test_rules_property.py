"""SQL == Python: for every demo policy (the versions ``seed_demo`` publishes), the rule compiled to SQL
and the kept evaluator on the same person agree — on eligibility and on the amount — for generated
people (birth dates around the band edges and 29 February, both statuses, several areas) and days.
One INSERT and one SELECT per policy per example; everything rolled back."""

import datetime as dt

from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benefits import rules
from benefits.demo import DEMO_POLICIES
from identity.models import PopulationRecord

AREAS = ["370102", "370103", "370112", "370202", "310101"]
EDGES = st.sampled_from([dt.date(1926, 2, 28), dt.date(1924, 2, 29), dt.date(1936, 10, 1), dt.date(1956, 9, 30), dt.date(1961, 12, 31),
                         dt.date(2010, 10, 2), dt.date(1944, 2, 29), dt.date(1946, 3, 1)])
PERSON = st.tuples(st.one_of(EDGES, st.dates(dt.date(1905, 1, 1), dt.date(2020, 12, 31))), st.sampled_from(["normal", "cancelled"]),
                   st.sampled_from(AREAS), st.sampled_from(["M", "F"]))
DAYS = st.one_of(st.sampled_from([dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2024, 2, 29), dt.date(2026, 10, 1)]),
                 st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)))


def _sql(spec: dict, day: dt.date) -> dict[str, tuple[bool, int | None]]:
    where = rules.compile_sql(spec["rule"], fields=spec["fields"], day=day)
    amount = rules.compile_sql(spec["monthly_amount"], fields=spec["fields"], day=day, expect=rules.INT) if spec["monthly_amount"] else None
    amount_sql, amount_params = (amount.sql, amount.params) if amount else ("NULL", [])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.id_number_index, CASE WHEN {where.sql} THEN TRUE ELSE FALSE END, {amount_sql} "
                       "FROM identity_populationrecord p WHERE p.id_number_index LIKE 'prop-%%'", [*where.params, *amount_params])
        return {index: (matched, value) for index, matched, value in cursor.fetchall()}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people=st.lists(PERSON, min_size=1, max_size=12), day=DAYS)
def test_sql_and_python_agree_for_every_demo_policy(db, people, day):
    with transaction.atomic():
        records = PopulationRecord.objects.bulk_create([
            PopulationRecord(id_number="x", id_number_index=f"prop-{n}", name="测试", birth_date=born, status=status, area_code=area, gender=gender)
            for n, (born, status, area, gender) in enumerate(people)])
        for spec in DEMO_POLICIES:
            in_sql = _sql(spec, day)
            in_python = {}
            for record in records:
                facts = rules.facts(record, fields=spec["fields"], day=day)
                matched = rules.evaluate(spec["rule"], facts)
                in_python[record.id_number_index] = (matched, rules.evaluate(spec["monthly_amount"], facts) if spec["monthly_amount"] else None)
            assert in_sql == in_python, (spec["code"], day)
        transaction.set_rollback(True)
