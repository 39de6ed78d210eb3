"""The rule language: what the compiler refuses (undeclared fields, operators outside the subset, mixed
types), and the kept evaluator's (panzi-json-logic) edge cases that made those refusals necessary."""

import datetime as dt
import re

import pytest

from benefits import rules
from benefits.demo import DEMO_POLICIES

DAY = dt.date(2026, 10, 1)


def test_compile_refuses_a_field_the_version_does_not_declare():
    with pytest.raises(rules.RuleError, match="'area_code' is not declared"):
        rules.compile_sql({"==": [{"var": "area_code"}, "370102"]}, fields=["age"], day=DAY)


def test_compile_refuses_a_field_that_is_not_base_data():
    with pytest.raises(rules.RuleError, match="unknown base-data fields declared: income"):
        rules.compile_sql({">": [{"var": "income"}, 0]}, fields=["income"], day=DAY)


@pytest.mark.parametrize("rule, reason", [
    ({"some": [[1], {"==": [1, 1]}]}, "operator 'some' is not allowed"),
    ({"+": [1, 2]}, "operator '+' is not allowed"),
    ({">=": [{"var": "age"}, 65.5]}, "not allowed in a rule"),
    ({"==": [{"var": "age"}, None]}, "not allowed in a rule"),
    ({"==": [{"var": "age"}, "65"]}, "compares two integers or two strings"),
    ({"<": [{"var": "status"}, "z"]}, "compares integers only"),
    ({"and": [{"var": "age"}]}, "needs a bool"),
    ({"!": [{"var": "status"}]}, "needs a bool"),
    ({"in": [{"var": "status"}, "normal"]}, "non-empty list of literals"),
    ({"if": [{"var": "age"}, 1, 2]}, "needs a bool"),
    ({"var": ["age", 0]}, "var takes a field name"),
])
def test_compile_refuses_what_the_two_evaluators_could_read_differently(rule, reason):
    with pytest.raises(rules.RuleError, match=re.escape(reason)):
        rules.compile_sql(rule, fields=["age", "status"], day=DAY)


def test_every_demo_policy_compiles_with_its_declared_fields():
    for spec in DEMO_POLICIES:
        assert rules.compile_sql(spec["rule"], fields=spec["fields"], day=DAY).type == rules.BOOL
        if spec["monthly_amount"] is not None:
            assert rules.compile_sql(spec["monthly_amount"], fields=spec["fields"], day=DAY, expect=rules.INT).type == rules.INT


# The library's own semantics, pinned: each is why the compiler refuses something above.
def test_the_library_reads_a_missing_var_as_null_and_null_compares_below_numbers():
    assert rules.evaluate({"var": "income"}, {}) is None
    assert rules.evaluate({"<": [{"var": "income"}, 65]}, {}) is True  # JavaScript's null < 65: why undeclared fields are refused


def test_the_library_compares_loosely_and_uses_truthiness():
    assert rules.evaluate({"==": [65, "65"]}, {}) is True  # why mixed types are refused
    assert rules.evaluate({"!": [[]]}, {}) is True and rules.evaluate({"!": ["0"]}, {}) is False  # why conditions must be booleans
    assert rules.evaluate({"and": [1, "x"]}, {}) == "x"  # and/or return operands, not booleans


def test_the_library_between_and_if_chain_as_compiled():
    assert [rules.evaluate({"<=": [16, {"var": "age"}, 59]}, {"age": age}) for age in (15, 16, 59, 60)] == [False, True, True, False]
    amount = DEMO_POLICIES[0]["monthly_amount"]
    assert [rules.evaluate(amount, {"age": age}) for age in (65, 69, 70, 79, 80, 89, 90, 99, 100, 104)] == [75, 75, 150, 150, 180, 180, 350, 350, 600, 600]


def test_ages_come_from_the_one_age_rule_including_29_february():
    class Record:
        birth_date, area_code, status, gender = dt.date(1960, 2, 29), "370102", "normal", "F"

    assert rules.facts(Record, fields=["age"], day=dt.date(2025, 2, 28)) == {"age": 64}
    assert rules.facts(Record, fields=["age"], day=dt.date(2025, 3, 1)) == {"age": 65}
    assert rules.facts(Record, fields=["age", "city_code"], day=dt.date(2024, 2, 29)) == {"age": 64, "city_code": "3701"}


def test_an_explanation_lists_each_condition_with_its_result():
    rule = DEMO_POLICIES[0]["rule"]
    assert rules.explain(rule, {"age": 64, "status": "normal"}) == [("户籍状态 = 正常", True), ("年龄 ≥ 65", False)]


def test_a_person_reads_values_in_words_not_codes():
    rule = {"and": [{"==": [{"var": "city_code"}, "3701"]}, {"in": [{"var": "area_code"}, ["370102"]]}, {"==": [{"var": "gender"}, "F"]}]}
    assert [text for text, _met in rules.explain(rule, {"city_code": "3701", "area_code": "370102", "gender": "F"})] == [
        "户籍所在市 = 济南市", "户籍所在地 ∈ {济南市历下区}", "性别 = 女"]
