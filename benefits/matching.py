"""Matching, set-based at the database: a policy version's rule compiled to SQL (``benefits.rules``)
inside one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` on the unique (policy, period, person), so a
rerun inserts nothing; the notices and audit events for the new rows are two more set-based inserts in
the same transaction. Only the evidence (the field values read, encrypted through the crypto provider)
is written in Python, in chunks, because the cipher is the application's, not the database's.

On SQLite (``make run``'s demo, a handful of people) the same rules are evaluated in Python, one person
at a time, by the kept evaluator — what "why / why not me" already does; the property test holds the
SQL and the Python evaluations equal, so the demo matches whom production would.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection

from benefits import rules
from benefits.models import Entitlement, PolicyVersion
from core.usecases import pure, step
from identity.models import AuditEvent, Notice, PopulationRecord, User

EVIDENCE_CHUNK = 2000
SAMPLES = 3


@dataclass(frozen=True)
class Period:
    label: str
    first_day: dt.date
    months: int


@pure
def period_of(version: PolicyVersion, day: dt.date) -> Period:
    """The period ``day`` falls in: 2026-12, 2026-Q4 or 2026."""
    if version.period == PolicyVersion.Period.QUARTER:
        quarter = (day.month - 1) // 3 + 1
        return Period(f"{day.year}-Q{quarter}", dt.date(day.year, 3 * quarter - 2, 1), 3)
    if version.period == PolicyVersion.Period.YEAR:
        return Period(str(day.year), dt.date(day.year, 1, 1), 12)
    return Period(f"{day.year}-{day.month:02d}", dt.date(day.year, day.month, 1), 1)


@pure
def condition(version: PolicyVersion, day: dt.date) -> rules.Compiled:
    return rules.compile_sql(version.rule, fields=version.fields, day=day)


@pure
def amount(version: PolicyVersion, period: Period) -> rules.Compiled:
    """Fen per period: the monthly amount rule (元) × months × 100; 0 for a service or a credential."""
    if version.monthly_amount is None:
        return rules.Compiled("0", [], rules.INT)
    monthly = rules.compile_sql(version.monthly_amount, fields=version.fields, day=period.first_day, expect=rules.INT)
    return rules.Compiled(f"({monthly.sql}) * {period.months * 100}", monthly.params, rules.INT)


PEOPLE = "identity_populationrecord p"


@pure
def insert_sql(*, version: PolicyVersion, run_id: int, period: Period, now: dt.datetime, since: dt.datetime | None) -> tuple[str, list]:
    """The matching statement and its parameters (the bench runs it alone, rolled back)."""
    where, cash = condition(version, period.first_day), amount(version, period)
    changed, changed_params = ("AND p.updated_at > %s", [since]) if since else ("", [])
    # Table and column names are ours; every value is a bound parameter.
    sql = (
        "INSERT INTO benefits_entitlement (policy_id, version_id, run_id, period, person_index, user_id, amount_fen, status, account_bank, "  # noqa: S608
        "created_at, updated_at) "
        f"SELECT %s, %s, %s, %s, p.id_number_index, u.id, {cash.sql}, %s, '', %s, %s FROM {PEOPLE} "
        f"LEFT JOIN identity_user u ON u.id_number_index = p.id_number_index WHERE ({where.sql}) {changed} "
        "ON CONFLICT (policy_id, period, person_index) DO NOTHING"
    )
    params = [version.policy_id, version.pk, run_id, period.label, *cash.params, Entitlement.Status.NOTIFIED, now, now, *where.params, *changed_params]
    return sql, params


def _in_python() -> bool:
    return connection.vendor != "postgresql"


def _people(since: dt.datetime | None = None):
    people = PopulationRecord.objects.order_by("id")
    return people.filter(updated_at__gt=since) if since else people


@pure
def monthly_yuan(version: PolicyVersion, data: dict) -> int:
    return int(rules.evaluate(version.monthly_amount, data)) if version.monthly_amount is not None else 0


def _matching_in_python(version: PolicyVersion, day: dt.date, since: dt.datetime | None = None):
    """(record, facts) of each person the rule matches on ``day``: SQLite's matching."""
    for record in _people(since):
        data = rules.facts(record, fields=version.fields, day=day)
        if rules.evaluate(version.rule, data):
            yield record, data


@step
def insert_matches(*, version: PolicyVersion, run_id: int, period: Period, now: dt.datetime, since: dt.datetime | None) -> int:
    """New entitlements for everyone the rule matches (changed since ``since`` for a delta); returns the count inserted."""
    if _in_python():
        matched = list(_matching_in_python(version, period.first_day, since))
        accounts = dict(User.objects.filter(id_number_index__in=[record.id_number_index for record, _data in matched]).values_list("id_number_index", "id"))
        Entitlement.objects.bulk_create([
            Entitlement(policy_id=version.policy_id, version=version, run_id=run_id, period=period.label, person_index=record.id_number_index,
                        user_id=accounts.get(record.id_number_index), amount_fen=monthly_yuan(version, data) * period.months * 100,
                        status=Entitlement.Status.NOTIFIED, created_at=now, updated_at=now) for record, data in matched], ignore_conflicts=True)
        return Entitlement.objects.filter(run_id=run_id).count()
    sql, params = insert_sql(version=version, run_id=run_id, period=period, now=now, since=since)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@step
def notices_and_audit(*, run_id: int, now: dt.datetime, notice: dict, url_prefix: str, action: str, who: str, detail: dict) -> int:
    """One inbox notice and one audit event (subject: the person, purpose: the policy) per new
    entitlement of a person with an account, as two set-based inserts."""
    if _in_python():
        new = list(Entitlement.objects.filter(run_id=run_id, user__isnull=False).values_list("id", "user_id"))
        Notice.objects.bulk_create([Notice(user_id=user, kind="benefit", title=notice["title"], body=notice["body"], message=notice["message"],
                                           url=f"{url_prefix}{pk}/", created_at=now) for pk, user in new])
        AuditEvent.objects.bulk_create([AuditEvent(created_at=now, action=action, actor_description=who, subject_id=user,
                                                   detail={**detail, "entitlement": pk}) for pk, user in new])
        return len(new)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO identity_notice (user_id, kind, title, body, message, url, created_at) "
            "SELECT e.user_id, 'benefit', %s, %s, CAST(%s AS jsonb), %s || CAST(e.id AS TEXT) || '/', %s "
            "FROM benefits_entitlement e WHERE e.run_id = %s AND e.user_id IS NOT NULL",
            [notice["title"], notice["body"], json.dumps(notice["message"]), url_prefix, now, run_id],
        )
        cursor.execute(
            "INSERT INTO identity_auditevent (created_at, action, actor_description, subject_id, detail) "
            "SELECT %s, %s, %s, e.user_id, CAST(%s AS jsonb) || jsonb_build_object('entitlement', e.id) "
            "FROM benefits_entitlement e WHERE e.run_id = %s AND e.user_id IS NOT NULL",
            [now, action, who, json.dumps(detail), run_id],
        )
        return cursor.rowcount


@step
def write_evidence(*, version: PolicyVersion, run_id: int, period: Period) -> None:
    """The field values the rule read for each new entitlement, encrypted (identity.fields), so "why"
    is reproducible after the base data changes."""
    ids = list(Entitlement.objects.filter(run_id=run_id).order_by("id").values_list("id", "person_index"))
    for start in range(0, len(ids), EVIDENCE_CHUNK):
        chunk = dict(ids[start:start + EVIDENCE_CHUNK])
        people = {p.id_number_index: p for p in PopulationRecord.objects.filter(id_number_index__in=chunk.values())
                  .only("id_number_index", "birth_date", "area_code", "status", "gender")}
        if _in_python():
            Entitlement.objects.bulk_update([Entitlement(id=pk, evidence=evidence_json(version, people[index], period.first_day))
                                             for pk, index in chunk.items()], ["evidence"])
            continue
        column = Entitlement._meta.get_field("evidence")
        values = [(pk, column.get_db_prep_value(evidence_json(version, people[index], period.first_day), connection)) for pk, index in chunk.items()]
        with connection.cursor() as cursor:  # one UPDATE … FROM a list per chunk (bulk_update's CASE per row grows with the square of the chunk)
            cursor.execute(
                "UPDATE benefits_entitlement e SET evidence = v.evidence FROM unnest(%s::bigint[], %s::bytea[]) AS v(id, evidence) WHERE e.id = v.id",
                [[pk for pk, _value in values], [value for _pk, value in values]])


@pure
def evidence_json(version: PolicyVersion, record, day: dt.date) -> str:
    return json.dumps({"version": version.pk, "day": day.isoformat(), "facts": rules.facts(record, fields=version.fields, day=day)},
                      ensure_ascii=False)


@step
def no_longer_matching(*, version: PolicyVersion, period: Period, since: dt.datetime) -> list[tuple[int, str, str]]:
    """(entitlement id, its status, the person's status) of this period's live entitlements whose
    people changed since ``since`` and no longer match."""
    live = [*Entitlement.UNPAID, Entitlement.Status.PAID]
    if _in_python():
        changed = {record.id_number_index: record for record in _people(since)}
        held = Entitlement.objects.filter(policy_id=version.policy_id, period=period.label, status__in=live, person_index__in=changed)
        return [(pk, status, changed[index].status) for pk, status, index in held.values_list("id", "status", "person_index")
                if not rules.evaluate(version.rule, rules.facts(changed[index], fields=version.fields, day=period.first_day))]
    where = condition(version, period.first_day)
    sql = (
        "SELECT e.id, e.status, p.status FROM benefits_entitlement e JOIN identity_populationrecord p ON p.id_number_index = e.person_index "  # noqa: S608
        f"WHERE e.policy_id = %s AND e.period = %s AND p.updated_at > %s AND e.status = ANY(%s) AND NOT ({where.sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [version.policy_id, period.label, since, live, *where.params])
        return cursor.fetchall()


@dataclass
class DryRun:
    """What publishing would do, computed by reads only."""

    period: str
    total: int = 0
    by_area: list[tuple[str, int]] = field(default_factory=list)
    by_band: list[tuple[int, int]] = field(default_factory=list)  # (yuan per month, people)
    samples: list[dict] = field(default_factory=list)
    previous: int | None = None
    newly_in: int = 0
    dropped: int = 0
    amount_changed: int = 0


@pure
def dry_run(version: PolicyVersion, day: dt.date) -> DryRun:
    """Counts by area and band, sample explanations and the diff against the published version: SELECTs only, nothing written."""
    period = period_of(version, day)
    where, monthly = condition(version, period.first_day), amount(version, Period(period.label, period.first_day, 1))
    report = DryRun(period=period.label)
    if _in_python():
        return _dry_run_in_python(report, version, period)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.area_code, {monthly.sql} / 100, COUNT(*) FROM {PEOPLE} WHERE {where.sql} GROUP BY 1, 2 ORDER BY 1, 2",  # noqa: S608
                       [*monthly.params, *where.params])
        rows = cursor.fetchall()
    _counts(report, rows)
    for record in PopulationRecord.objects.raw(f"SELECT p.* FROM {PEOPLE} WHERE {where.sql} ORDER BY p.id LIMIT {SAMPLES}", where.params):  # noqa: S608
        _sample(report, version, rules.facts(record, fields=version.fields, day=period.first_day))
    previous = _previous(version)
    if previous is not None:
        _diff(report, version, previous, period)
    return report


def _counts(report: DryRun, rows) -> None:
    areas, bands = {}, {}
    for area, band, count in rows:
        areas[area] = areas.get(area, 0) + count
        bands[band] = bands.get(band, 0) + count
    report.total = sum(areas.values())
    report.by_area, report.by_band = sorted(areas.items()), sorted(bands.items())


def _sample(report: DryRun, version: PolicyVersion, data: dict) -> None:
    report.samples.append({"facts": data, "explanation": rules.explain(version.rule, data),
                           "monthly_yuan": rules.evaluate(version.monthly_amount, data) if version.monthly_amount else 0})


def _previous(version: PolicyVersion) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(policy=version.policy, status=PolicyVersion.Status.PUBLISHED).exclude(pk=version.pk).first()


def _dry_run_in_python(report: DryRun, version: PolicyVersion, period: Period) -> DryRun:
    """SQLite's dry run: the same figures, one person at a time."""
    previous, day = _previous(version), period.first_day
    counted: dict[tuple[str, int], int] = {}
    for record in _people():
        new = rules.facts(record, fields=version.fields, day=day)
        now_in = bool(rules.evaluate(version.rule, new))
        if now_in:
            key = (record.area_code, monthly_yuan(version, new))
            counted[key] = counted.get(key, 0) + 1
            if len(report.samples) < SAMPLES:
                _sample(report, version, new)
        if previous is not None:
            old = rules.facts(record, fields=previous.fields, day=day)
            was_in = bool(rules.evaluate(previous.rule, old))
            report.previous = (report.previous or 0) + was_in
            report.newly_in += now_in and not was_in
            report.dropped += was_in and not now_in
            report.amount_changed += was_in and now_in and monthly_yuan(version, new) != monthly_yuan(previous, old)
    _counts(report, [(area, band, count) for (area, band), count in sorted(counted.items())])
    if previous is not None and report.previous is None:
        report.previous = 0
    return report


def _diff(report: DryRun, version: PolicyVersion, previous: PolicyVersion, period: Period) -> None:
    one_month = Period(period.label, period.first_day, 1)
    new, old = condition(version, period.first_day), condition(previous, period.first_day)
    new_amount, old_amount = amount(version, one_month), amount(previous, one_month)
    sql = (
        f"SELECT SUM(CASE WHEN ({old.sql}) THEN 1 ELSE 0 END), SUM(CASE WHEN ({new.sql}) AND NOT ({old.sql}) THEN 1 ELSE 0 END), "  # noqa: S608
        f"SUM(CASE WHEN ({old.sql}) AND NOT ({new.sql}) THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN ({old.sql}) AND ({new.sql}) AND {new_amount.sql} <> {old_amount.sql} THEN 1 ELSE 0 END) FROM {PEOPLE}"
    )
    params = [*old.params, *new.params, *old.params, *old.params, *new.params, *old.params, *new.params, *new_amount.params, *old_amount.params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        previous_total, report.newly_in, report.dropped, report.amount_changed = (value or 0 for value in cursor.fetchone())
    report.previous = previous_total
