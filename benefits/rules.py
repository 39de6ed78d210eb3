"""The rule language of 免申即享: a restricted JsonLogic subset (the family of the EU DCC's CertLogic).

One rule, two evaluators that must agree (``tests/benefits/test_rules_property.py``):

- ``evaluate``: the kept library ``panzi-json-logic`` on one person's facts (why / why not me, the
  event-driven re-check);
- ``compile_sql``: our compiler to a SQL expression over the population base, for set-based matching.

Only what both can do identically is allowed, and checked when a version is drafted: the operators in
``OPERATORS``, literals of the field's own type (no floats, no null), conditions that are booleans
(so JsonLogic's truthiness never decides), and only the fields the version declares from ``FIELDS`` —
anything else is refused with a ``RuleError`` naming it (PIPL Art. 6: read only what is declared).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from json_logic import jsonLogic

from core.people import age_on

INT, STR, BOOL = "int", "str", "bool"


@dataclass(frozen=True)
class Field:
    type: str
    label: object
    sql: str  # over the population base aliased ``p``; %(day)s parameters are added by the compiler


FIELDS: dict[str, Field] = {
    "age": Field(INT, _("年龄"), "AGE"),  # core.people.age_on at the period's first day
    "area_code": Field(STR, _("户籍所在地"), "p.area_code"),
    "city_code": Field(STR, _("户籍所在市"), "SUBSTR(p.area_code, 1, 4)"),
    "status": Field(STR, _("户籍状态"), "p.status"),
    "gender": Field(STR, _("性别"), "p.gender"),
}
COMPARISONS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
OPERATORS = frozenset({*COMPARISONS, "and", "or", "!", "in", "if", "var"})


class RuleError(ValueError):
    """A rule outside the subset, or one reading an undeclared field: refused when drafted."""


@dataclass
class Compiled:
    sql: str
    params: list
    type: str


class _Compiler:
    def __init__(self, declared: set[str], day: dt.date):
        unknown = declared - set(FIELDS)
        if unknown:
            raise RuleError(f"unknown base-data fields declared: {', '.join(sorted(unknown))}")
        self.declared, self.day = declared, day

    def node(self, rule) -> Compiled:
        if isinstance(rule, bool):
            return Compiled("TRUE" if rule else "FALSE", [], BOOL)
        if isinstance(rule, int):
            return Compiled("%s", [rule], INT)
        if isinstance(rule, str):
            return Compiled("%s", [rule], STR)
        if not isinstance(rule, dict) or len(rule) != 1:
            raise RuleError(f"not allowed in a rule: {rule!r} (only integers, strings, true/false and one-operator objects)")
        [(operator, args)] = rule.items()
        if operator not in OPERATORS:
            raise RuleError(f"operator {operator!r} is not allowed (allowed: {', '.join(sorted(OPERATORS))})")
        if operator == "var":
            return self.var(args)
        args = args if isinstance(args, list) else [args]
        return getattr(self, {"and": "both", "or": "both", "!": "negate", "in": "member", "if": "choose"}.get(operator, "compare"))(operator, args)

    def var(self, name) -> Compiled:
        if not isinstance(name, str):
            raise RuleError(f"var takes a field name, not {name!r}")
        if name not in self.declared:
            raise RuleError(f"field {name!r} is not declared by this policy version (declared: {', '.join(sorted(self.declared)) or 'none'})")
        field = FIELDS[name]
        if field.sql == "AGE":
            # core.people.age_on: completed years; the birthday is passed once (month, day) > (month, day)
            # is false — 29 February counts on 1 March in a common year, as (2, 29) > (2, 28) and not > (3, 1)
            sql = ("(%s - CAST(EXTRACT(YEAR FROM p.birth_date) AS INTEGER) - CASE WHEN CAST(EXTRACT(MONTH FROM p.birth_date) AS INTEGER) > %s"
                   " OR (CAST(EXTRACT(MONTH FROM p.birth_date) AS INTEGER) = %s AND CAST(EXTRACT(DAY FROM p.birth_date) AS INTEGER) > %s)"
                   " THEN 1 ELSE 0 END)")
            return Compiled(sql, [self.day.year, self.day.month, self.day.month, self.day.day], INT)
        return Compiled(field.sql, [], field.type)

    def both(self, operator, args) -> Compiled:
        parts = [self.typed(arg, BOOL, operator) for arg in args]
        if not parts:
            raise RuleError(f"{operator} needs at least one condition")
        joined = f" {operator.upper()} ".join(f"({part.sql})" for part in parts)
        return Compiled(joined, [p for part in parts for p in part.params], BOOL)

    def negate(self, operator, args) -> Compiled:
        if len(args) != 1:
            raise RuleError("! takes one condition")
        part = self.typed(args[0], BOOL, "!")
        return Compiled(f"NOT ({part.sql})", part.params, BOOL)

    def compare(self, operator, args) -> Compiled:
        if len(args) == 3 and operator in ("<", "<="):  # between: {"<=": [65, {"var": "age"}, 69]}
            left, middle, right = (self.typed(arg, INT, operator) for arg in args)
            sign = COMPARISONS[operator]
            return Compiled(f"({left.sql} {sign} {middle.sql} AND {middle.sql} {sign} {right.sql})",
                            left.params + middle.params + middle.params + right.params, BOOL)
        if len(args) != 2:
            raise RuleError(f"{operator} takes two values (or three for < and <=)")
        left, right = self.node(args[0]), self.node(args[1])
        if left.type != right.type or left.type == BOOL:
            raise RuleError(f"{operator} compares two integers or two strings, not {left.type} with {right.type}")
        if operator not in ("==", "!=") and left.type != INT:
            raise RuleError(f"{operator} compares integers only (ages, amounts), not strings")
        return Compiled(f"{left.sql} {COMPARISONS[operator]} {right.sql}", left.params + right.params, BOOL)

    def member(self, operator, args) -> Compiled:
        if len(args) != 2 or not isinstance(args[1], list) or not args[1]:
            raise RuleError("in takes a value and a non-empty list of literals")
        value = self.node(args[0])
        items = [self.node(item) for item in args[1]]
        if any(item.type != value.type or item.sql != "%s" for item in items) or value.type == BOOL:
            raise RuleError("in: the list holds literals of the value's own type")
        return Compiled(f"{value.sql} IN ({', '.join('%s' for _ in items)})", value.params + [item.params[0] for item in items], BOOL)

    def choose(self, operator, args) -> Compiled:
        if len(args) < 3 or len(args) % 2 == 0:
            raise RuleError("if takes condition, value, [condition, value, …] else-value")
        branches, params = [], []
        values = [self.node(arg) for arg in args[1::2]] + [self.node(args[-1])]
        kind = values[0].type
        if any(value.type != kind for value in values):
            raise RuleError("if: every branch gives a value of one type")
        for condition, value in zip(args[:-1:2], args[1::2], strict=True):
            cond, then = self.typed(condition, BOOL, "if"), self.node(value)
            branches.append(f"WHEN {cond.sql} THEN {then.sql}")
            params += cond.params + then.params
        last = self.node(args[-1])
        return Compiled(f"(CASE {' '.join(branches)} ELSE {last.sql} END)", params + last.params, kind)

    def typed(self, rule, kind: str, operator: str) -> Compiled:
        compiled = self.node(rule)
        if compiled.type != kind:
            raise RuleError(f"{operator} needs a {kind} here, not {compiled.type}: {rule!r}")
        return compiled


def compile_sql(rule, *, fields: list[str] | set[str], day: dt.date, expect: str = BOOL) -> Compiled:
    """The rule as a SQL expression over ``p`` (identity_populationrecord) for the period starting ``day``."""
    compiled = _Compiler(set(fields), day).node(rule)
    if compiled.type != expect:
        raise RuleError(f"the rule gives a {compiled.type}; a {expect} is needed")
    return compiled


def check(rule, *, fields, expect: str = BOOL) -> None:
    compile_sql(rule, fields=fields, day=dt.date(2000, 1, 1), expect=expect)


def facts(record, *, fields, day: dt.date) -> dict:
    """The declared fields of one population record, as the rule reads them (nothing else)."""
    values = {"age": lambda: age_on(record.birth_date, day), "area_code": lambda: record.area_code, "city_code": lambda: record.area_code[:4],
              "status": lambda: record.status, "gender": lambda: record.gender}
    return {name: values[name]() for name in fields}


def evaluate(rule, data: dict):
    """The kept evaluator (panzi-json-logic) on one person's facts."""
    return jsonLogic(rule, data)


def explain(rule, data: dict) -> list[tuple[object, bool]]:
    """The rule's top-level conditions (those of an ``and``), each with its result for ``data``: what
    a person reads on "why / why not me"."""
    parts = rule["and"] if isinstance(rule, dict) and "and" in rule else [rule]
    return [(describe(part), bool(evaluate(part, data))) for part in parts]


def shown(field: str, value) -> str:
    """A field's value in words: 正常, not ``normal``; 济南市历下区, not 370102."""
    from core.areas import area_name
    from identity.models import PopulationRecord

    if field == "status":
        return str(dict(PopulationRecord.Status.choices).get(value, value))
    if field == "gender":
        return str(dict(PopulationRecord._meta.get_field("gender").choices).get(value, value))
    if field == "area_code":
        return area_name(str(value))
    if field == "city_code":
        return area_name(f"{value}00")
    return str(value)


def _field_of(args: list) -> str | None:
    return next((arg["var"] for arg in args if isinstance(arg, dict) and isinstance(arg.get("var"), str)), None)


def describe(rule, field: str | None = None) -> str:
    """A condition in words, e.g. 年龄 ≥ 65, 户籍状态 = 正常 (literals shown as the field's words)."""
    if isinstance(rule, dict) and len(rule) == 1:
        [(operator, args)] = rule.items()
        if operator == "var":
            return str(FIELDS[args].label) if args in FIELDS else str(args)
        args = args if isinstance(args, list) else [args]
        if operator in COMPARISONS:
            sign = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥"}.get(operator, operator)
            return f" {sign} ".join(describe(arg, _field_of(args)) for arg in args)
        if operator == "in":
            return f"{describe(args[0])} ∈ {{{', '.join(describe(item, _field_of(args[:1])) for item in args[1])}}}"
        if operator == "!":
            return f"¬({describe(args[0])})"
        if operator in ("and", "or"):
            return f" {'∧' if operator == 'and' else '∨'} ".join(f"({describe(arg)})" for arg in args)
    return shown(field, rule) if field else str(rule)
