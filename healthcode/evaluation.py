"""Status computation, set-based: the rules in force become one SELECT over the population base
(EXISTS sub-queries per rule, a CASE for the colour), wrapped in one ``INSERT … SELECT … ON CONFLICT
DO UPDATE`` per chunk. No Python loop over people; a reader sees the old row or the new one.

Works on PostgreSQL (production, tests) and SQLite (``make run``): both have ON CONFLICT and RETURNING.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, Least
from django.utils import timezone

from healthcode.models import CloseContact, Colour, HealthStatus, Override, RiskArea, Rule, RuleSet, SelfDeclaration, Stay, TestResult
from healthcode.status_cache import forget_statuses
from identity.models import PopulationRecord

REEVALUATE_AT_LEAST_EVERY = dt.timedelta(days=1)
FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def _plus(expression, delta: dt.timedelta):
    return ExpressionWrapper(expression + Value(delta), output_field=DateTimeField())


def _latest(queryset: QuerySet, field: str):
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1], output_field=DateTimeField())


def _rule_matches(rule: Rule, now: dt.datetime) -> tuple[QuerySet, str]:
    """For one rule: the rows that trigger it for the outer person, and the time column that, plus the
    window, says when it stops applying."""
    rows, time_field = _rule_rows(rule, now)
    return rows.filter(person_index=OuterRef("id_number_index")), time_field


def _rule_rows(rule: Rule, now: dt.datetime) -> tuple[QuerySet, str]:
    """For one rule: the rows that trigger it, whoever they are for (``_rule_matches`` narrows them to
    one person; ``_candidates`` takes their people)."""
    since = now - dt.timedelta(days=rule.days)
    if rule.kind == Rule.Kind.POSITIVE_TEST:
        rows = TestResult.objects.filter(result=TestResult.Result.POSITIVE, sampled_at__gte=since, sampled_at__lte=now)
        return rows, "sampled_at"
    if rule.kind == Rule.Kind.CLOSE_CONTACT:
        rows = CloseContact.objects.filter(listed_at__gte=since, listed_at__lte=now).filter(
            Q(released_at__isnull=True) | Q(released_at__gt=now)
        )
        return rows, "listed_at"
    if rule.kind == Rule.Kind.SYMPTOMS:
        # The latest declaration in the window counts: declaring "no symptoms" later clears it.
        latest = SelfDeclaration.objects.filter(person_index=OuterRef("person_index"), declared_at__lte=now).order_by("-declared_at", "-id")
        rows = SelfDeclaration.objects.filter(symptoms=True, declared_at__gte=since, declared_at__lte=now).filter(
            pk=Subquery(latest.values("pk")[:1])
        )
        return rows, "declared_at"
    if rule.kind == Rule.Kind.RISK_AREA_STAY:
        risky = RiskArea.objects.filter(level=rule.level, starts_at__lte=OuterRef("left_at")).filter(
            Q(area_code=OuterRef("area_code")) | Q(area_code=OuterRef("city_code")) | Q(area_code=OuterRef("province_code"))
        ).filter(Q(ends_at__isnull=True) | Q(ends_at__gte=OuterRef("arrived_at")))
        cleared = TestResult.objects.filter(
            person_index=OuterRef("person_index"),
            result=TestResult.Result.NEGATIVE,
            sampled_at__gte=_plus(OuterRef("left_at"), dt.timedelta(hours=rule.hours)),
            sampled_at__lte=now,
        )
        rows = Stay.objects.filter(left_at__gte=since, arrived_at__lte=now).filter(Exists(risky)).exclude(Exists(cleared))
        return rows, "left_at"
    raise ValueError(f"unknown rule kind {rule.kind}")


def status_select(ruleset: RuleSet, rules: list[Rule], people: QuerySet, now: dt.datetime) -> QuerySet:
    """A values_list query with the columns of HealthStatus, in the insert's order."""
    annotations = {}
    expiries = [Value(now + REEVALUATE_AT_LEAST_EVERY)]
    reds, yellows, reasons = [], [], []
    for number, rule in enumerate(rules):
        rows, time_field = _rule_matches(rule, now)
        flag = f"rule_{number}"
        annotations[flag] = Exists(rows)
        condition = Q(**{flag: True})
        (reds if rule.colour == Colour.RED else yellows).append(condition)
        reasons.append(Case(When(condition, then=Value(rule.code + ",")), default=Value(""), output_field=CharField()))
        expiries.append(Coalesce(_plus(_latest(rows, time_field), dt.timedelta(days=rule.days)), Value(FAR_FUTURE)))

    override = Override.objects.filter(person_index=OuterRef("id_number_index"), starts_at__lte=now, expires_at__gt=now).order_by("-created_at", "-id")
    annotations["override_colour"] = Subquery(override.values("colour")[:1], output_field=CharField())
    annotations["override_pk"] = Subquery(override.values("pk")[:1], output_field=IntegerField())
    expiries.append(Coalesce(Subquery(override.values("expires_at")[:1], output_field=DateTimeField()), Value(FAR_FUTURE)))

    whens = [When(override_colour__isnull=False, then=F("override_colour"))]
    if reds:
        whens.append(When(_any(reds), then=Value(Colour.RED)))
    if yellows:
        whens.append(When(_any(yellows), then=Value(Colour.YELLOW)))
    people = people.annotate(**annotations).annotate(
        s_colour=Case(*whens, default=Value(Colour.GREEN), output_field=CharField()),
        s_reasons=Case(
            When(override_colour__isnull=False, then=Value("override,")),
            default=Concat(*reasons, Value(""), output_field=CharField()) if reasons else Value(""),
            output_field=CharField(),
        ),
        s_version=Value(ruleset.version, output_field=IntegerField()),
        s_evaluated=Value(now, output_field=DateTimeField()),
        s_valid_until=Least(*expiries, output_field=DateTimeField()) if len(expiries) > 1 else expiries[0],
    )
    return people.values_list("id_number_index", "s_colour", "s_reasons", "s_version", "override_pk", "area_code", "s_evaluated", "s_valid_until")


def status_sql(ruleset: RuleSet, rules: list[Rule], people: QuerySet, now: dt.datetime) -> tuple[str, list]:
    """The same rows as ``status_select``, for PostgreSQL, in two levels so every sub-query runs once
    per person: the inner SELECT gives, per rule, when its latest triggering row stops applying (NULL
    when none: a rule applies exactly when that is not NULL) and the override in force; the outer
    one derives the colour, the reasons and ``valid_until`` from those columns. (``status_select``
    repeats each rule's EXISTS in the colour and the reasons, and the override's sub-query five
    times; it stays the reference and SQLite's statement.)

    Only the people some rule or an override may apply to (``_candidates``: a hash of the people in
    the rules' triggering rows, built once per statement) are probed rule by rule; everyone else — most
    people: no positive test, contact, symptom or risky stay in any window — gets the row the probes
    would give them (green, no reason, re-evaluated in a day) without a probe, by an anti-join."""
    candidates_sql, candidates_params = _candidates(rules, now)
    expiries = {}
    for number, rule in enumerate(rules):
        rows, time_field = _rule_matches(rule, now)
        expiries[f"expiry_{number}"] = _plus(_latest(rows, time_field), dt.timedelta(days=rule.days))
    override = Override.objects.filter(person_index=OuterRef("id_number_index"), starts_at__lte=now, expires_at__gt=now).order_by("-created_at", "-id")
    inner = people.filter(id_number_index__in=RawSQL(candidates_sql, candidates_params)).annotate(  # noqa: S611 (Django-compiled SQL, values bound)
        **expiries,
        override_colour=Subquery(override.values("colour")[:1], output_field=CharField()),
        override_pk=Subquery(override.values("pk")[:1], output_field=IntegerField()),
        override_expires=Subquery(override.values("expires_at")[:1], output_field=DateTimeField()),
    ).values_list("id_number_index", "area_code", *expiries, "override_colour", "override_pk", "override_expires")
    inner_sql, inner_params = inner.query.sql_with_params()
    whens, colour_params = ["WHEN override_colour IS NOT NULL THEN override_colour"], []
    for colour in (Colour.RED, Colour.YELLOW):
        applying = [f"expiry_{number} IS NOT NULL" for number, rule in enumerate(rules) if rule.colour == colour]
        if applying:
            whens.append(f"WHEN {' OR '.join(applying)} THEN %s")
            colour_params.append(colour)
    colour_sql = f"CASE {' '.join(whens)} ELSE %s END"
    colour_params.append(Colour.GREEN)
    codes = "".join(f", CASE WHEN expiry_{number} IS NOT NULL THEN %s END" for number in range(len(rules)))  # CONCAT skips NULLs
    reasons_sql = f"CASE WHEN override_colour IS NOT NULL THEN %s ELSE CONCAT(''{codes}) END"
    reason_params = ["override,", *(rule.code + "," for rule in rules)]
    least = ", ".join(["%s::timestamptz", *expiries, "override_expires"])  # LEAST skips NULLs on PostgreSQL
    quiet_sql, quiet_params = people.values_list("id_number_index", "area_code").query.sql_with_params()
    sql = (f"SELECT id_number_index, {colour_sql}, {reasons_sql}, %s::integer, override_pk, area_code, %s::timestamptz, LEAST({least}) "  # noqa: S608
           f"FROM ({inner_sql} OFFSET 0) AS evaluated "  # OFFSET 0: not flattened, or its sub-queries would be copied into each use
           # No rule and no override can apply: what the CASEs above give when every column is NULL.
           "UNION ALL SELECT quiet.id_number_index, %s, %s, %s::integer, NULL, quiet.area_code, %s::timestamptz, %s::timestamptz "
           f"FROM ({quiet_sql}) AS quiet WHERE NOT EXISTS (SELECT 1 FROM ({candidates_sql}) AS candidate "
           "WHERE candidate.person_index = quiet.id_number_index)")
    later = now + REEVALUATE_AT_LEAST_EVERY
    return sql, [*colour_params, *reason_params, ruleset.version, now, later, *inner_params,
                 Colour.GREEN, "", ruleset.version, now, later, *quiet_params, *candidates_params]


def _candidates(rules: list[Rule], now: dt.datetime) -> tuple[str, list]:
    """The people some rule's triggering rows or an override in force are for (a person may appear
    more than once), as one ``UNION ALL`` of ``person_index`` columns: exactly the people for whom
    ``status_sql``'s probes can find anything."""
    sources = [_rule_rows(rule, now)[0] for rule in rules]
    sources.append(Override.objects.filter(starts_at__lte=now, expires_at__gt=now))
    parts, params = [], []
    for rows in sources:
        sql, more = rows.order_by().values("person_index").query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(more)
    return " UNION ALL ".join(parts), params


def _any(conditions: list[Q]) -> Q:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


COLUMNS = ["person_index", "colour", "reasons", "rule_version", "override_id", "area_code", "evaluated_at", "valid_until"]


def ruleset_in_force() -> tuple[RuleSet, list[Rule]]:
    ruleset = RuleSet.objects.filter(in_force=True).first()
    if ruleset is None:
        raise RuntimeError("no rule set in force: publish one in admin (or run seed_demo)")
    return ruleset, list(ruleset.rules.order_by("id"))


def evaluate(people: QuerySet, *, now: dt.datetime | None = None, rules: tuple[RuleSet, list[Rule]] | None = None) -> list[str]:
    """Evaluate a set of people (a PopulationRecord queryset) and upsert their statuses in one
    statement, writing only the rows that change (see ``_changed``). Returns the person indexes
    written (to drop their cached status)."""
    now = now or timezone.now()
    sql, params = upsert_sql(people, now, *(rules or ruleset_in_force()))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's cost for a chunk (a sub-query per rule per person) passes jit_above_cost, and
            # compiling it took longer than running it (330 of 560 ms for 5,000 people): not worth it here.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        written = [row[0] for row in cursor.fetchall()]
    # Dropped now and again after commit: a reader between the two could cache the old row, since
    # the new one is not visible to it until the outer transaction commits.
    forget_statuses(written)
    transaction.on_commit(lambda: forget_statuses(written))
    return written


def upsert_sql(people: QuerySet, now: dt.datetime, ruleset: RuleSet, rule_list: list[Rule]) -> tuple[str, list]:
    """``evaluate``'s one statement: the statuses of ``people`` upserted, only changed rows written,
    returning the person indexes written. (Leaving unchanged rows out before ON CONFLICT, which
    locks each conflicting row even when it then writes nothing, was tried: as a join the planner
    hashed the whole status table per chunk, as a sub-query it seq-scanned a table its statistics
    said was empty — minutes for the first 1,000,000. ON CONFLICT's own arbiter probe is the safe one.)"""
    table = HealthStatus._meta.db_table
    if connection.vendor == "postgresql":
        select_sql, params = status_sql(ruleset, rule_list, people, now)
    else:
        select_sql, params = status_select(ruleset, rule_list, people, now).query.sql_with_params()
    least = "LEAST" if connection.vendor == "postgresql" else "MIN"
    updates = ", ".join(f"{column} = excluded.{column}" for column in COLUMNS[1:-1])
    # valid_until only moves earlier (or on from a due row): left where it was, an unchanged indexed
    # column lets PostgreSQL update the row in place (HOT, fillfactor 50): no new index entries.
    updates += (f", valid_until = CASE WHEN {table}.valid_until <= excluded.evaluated_at THEN excluded.valid_until "
                f"ELSE {least}({table}.valid_until, excluded.valid_until) END")
    # Table and column names are ours; every value is a bound parameter of the compiled SELECT.
    sql = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) SELECT * FROM ({select_sql}) AS computed "  # noqa: S608
        f"ON CONFLICT (person_index) DO UPDATE SET {updates} WHERE {_changed(table, 'excluded')} RETURNING person_index"
    )
    if connection.vendor == "sqlite":
        # SQLite needs a WHERE to tell ON CONFLICT from a join in INSERT … SELECT.
        sql = sql.replace(" AS computed ON CONFLICT", " AS computed WHERE true ON CONFLICT")
    return sql, params


SAME_STATUS = ["colour", "reasons", "rule_version", "override_id", "area_code"]


def _changed(table: str, new: str) -> str:
    """When an existing row is rewritten: its status differs, it must be re-evaluated sooner than it
    says, or it is due. An unchanged status keeps its row (no dead tuple, no index entry, no WAL, no
    cache drop): keeping the earlier ``valid_until`` only brings its next evaluation forward (never
    later than a day after the last write), and its ``evaluated_at`` stays the time this status was
    first given."""
    distinct = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
    differs = " OR ".join(f"{table}.{column} {distinct} {new}.{column}" for column in SAME_STATUS)
    return f"({differs} OR {new}.valid_until < {table}.valid_until OR {table}.valid_until <= {new}.evaluated_at)"


def evaluate_people(person_indexes, **kwargs) -> list[str]:
    return evaluate(PopulationRecord.objects.filter(id_number_index__in=list(person_indexes)), **kwargs)
