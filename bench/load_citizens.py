"""Load N synthetic citizens into PostgreSQL fast, with COPY: population records, accounts (no
usable password), an ID-card credential each, and test results for 1 %; then compute every health
status with the real set-based evaluation. Prints what it did and how long each step took.

    DJANGO_SETTINGS_MODULE=portal.settings python bench/load_citizens.py 1000000 [START]

START (default 0) continues a population already loaded: citizens START … START+N-1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import NOT_PROVIDED  # noqa: E402
from django.utils import timezone  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from credentials.holders import holder_index  # noqa: E402
from credentials.identifiers import make_identifier  # noqa: E402
from credentials.models import Credential, CredentialType, issuer_record_index  # noqa: E402
from healthcode.demo import default_ruleset  # noqa: E402
from healthcode.evaluation import evaluate  # noqa: E402
from healthcode.models import TestResult  # noqa: E402
from identity import crypto  # noqa: E402
from identity.demo import FAMILY_NAMES, GIVEN_CHARS, SHANDONG_AREAS  # noqa: E402
from identity.models import PopulationRecord, User, id_number_index  # noqa: E402  (the models' own index: a loaded person is found by ID number)

AREAS = list(SHANDONG_AREAS)

# What the loader sets, per table, in its rows' order; every other NOT NULL column comes from the model's default (`plan`).
COLUMNS = {
    PopulationRecord: ["id_number", "id_number_index", "name", "gender", "birth_date", "area_code", "status", "updated_at"],
    User: ["password", "id_number", "id_number_index", "name", "phone_verified", "real_name_verified_at", "is_active", "is_staff", "is_superuser",
           "date_joined"],
    Credential: ["identifier", "type_id", "holder_kind", "holder_index", "holder_number", "holder_name", "fields_json", "issuer_id", "issuer_record_id",
                 "issuer_record_index", "issued_on", "expires_on", "status", "status_reason", "revision", "hidden", "created_at", "updated_at"],
    TestResult: ["person_index", "source", "external_id", "created_at", "kind", "result", "sampled_at", "reported_at"],
}


def people(n: int, seed: int = 2026, offset: int = 0):
    """Unique, check-valid ID numbers: (area, birth date, sequence) never repeats."""
    rng = random.Random(seed + offset)
    start = dt.date(1940, 1, 1)
    for i in range(offset, offset + n):
        area = AREAS[i % len(AREAS)]
        day, sequence = divmod(i // len(AREAS), 999)
        birth = start + dt.timedelta(days=day % 30000)
        body = f"{area}{birth:%Y%m%d}{sequence + 1:03d}"
        number = body + ric.calc_check_digit(body + "0")
        name = rng.choice(FAMILY_NAMES) + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2))))
        yield number, name, "M" if (sequence + 1) % 2 else "F", birth, area


class UncoveredColumns(Exception):
    """A NOT NULL column the loader neither sets nor can fill from a default the model declares."""


def plan(model, columns: list[str]) -> tuple[list[str], list]:
    """The columns COPY writes for `model`: those the loader sets (`columns`, in its rows' order), then
    every other NOT NULL column, filled from the default its field declares (`Field.get_default()`, so
    a callable default such as `timezone.now` or `uuid4` is called for each row). The primary key and
    nullable columns are left to the database. A NOT NULL column with no declared default (and no
    `db_default`) that the loader does not set raises `UncoveredColumns` before any row is written."""
    fields = {field.column: field for field in model._meta.concrete_fields}
    unknown = [column for column in columns if column not in fields]
    if unknown:
        raise UncoveredColumns(f"{model._meta.db_table}: the loader sets columns the model no longer has: {', '.join(unknown)}")
    filled, uncovered = [], []
    for column, field in fields.items():
        if column in columns or getattr(field, "db_returning", False) or field.db_default is not NOT_PROVIDED:
            continue
        if field.has_default():
            filled.append(field)
        elif not field.null:
            uncovered.append(column)
    if uncovered:
        raise UncoveredColumns(f"{model._meta.db_table}: NOT NULL without a default, not set by bench/load_citizens.py: {', '.join(uncovered)}")
    return [*columns, *(field.column for field in filled)], filled


def _defaults(filled: list):
    """The filled columns' values for one row, as the ORM would save them: constants once, callables per row."""
    constant = {field.column: field.get_db_prep_save(field.get_default(), connection) for field in filled if not callable(field.default)}
    if len(constant) == len(filled):
        values = tuple(constant.values())
        return lambda: values
    return lambda: tuple(constant[field.column] if field.column in constant else field.get_db_prep_save(field.get_default(), connection)
                         for field in filled)


def copy(model, columns: list[str], rows) -> int:
    """COPY `rows` (tuples of `columns`) into `model`'s table, with every other NOT NULL column from its declared default (`plan`)."""
    names, filled = plan(model, columns)
    defaults = _defaults(filled)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN") as copier:
            for row in rows:
                copier.write_row((*row, *defaults()))
                count += 1
    return count


def timed(label: str, func):
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    print(f"{label}: {result:,} rows in {elapsed:.1f} s", flush=True)
    return elapsed


def main(n: int, offset: int = 0) -> dict:
    if connection.vendor != "postgresql":
        raise SystemExit("load_citizens needs PostgreSQL (COPY)")
    for model, columns in COLUMNS.items():  # every table's columns covered, before the first row is written
        plan(model, columns)
    now = timezone.now()
    pop_ctx, user_ctx = "identity.populationrecord.id_number", "identity.user.id_number"
    first = (PopulationRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0)
    timings = {}

    def population():
        return copy(PopulationRecord, COLUMNS[PopulationRecord],
                    ((crypto.encrypt(number, context=pop_ctx), id_number_index(number), name, gender, birth, area, "normal", now)
                     for number, name, gender, birth, area in people(n, offset=offset)))

    def users():
        return copy(User, COLUMNS[User],
                    (("!", crypto.encrypt(number, context=user_ctx), id_number_index(number), name, False, now, True, False, False, now)
                     for number, name, _g, _b, _a in people(n, offset=offset)))

    ctype = CredentialType.objects.get(code="id_card")
    issuer = ctype.issuers.first()
    cred_ctx = ("credentials.credential.holder_number", "credentials.credential.fields_json", "credentials.credential.issuer_record_id")

    def credentials():
        def rows():
            for i, (number, name, gender, birth, area) in enumerate(people(n, offset=offset), start=offset):
                fields = json.dumps({"gender": "男" if gender == "M" else "女", "ethnicity": "汉", "birth_date": birth.isoformat(),
                                     "address": f"山东省{SHANDONG_AREAS[area]}某路{i % 300 + 1}号", "id_number": number, "issuing_authority": "公安局"},
                                    ensure_ascii=False, sort_keys=True)
                yield (make_identifier(type_code=ctype.type_code, issuer_code=ctype.type_code[:18], serial=f"{i:016d}"), ctype.pk, "person",
                       holder_index("person", number), crypto.encrypt(number, context=cred_ctx[0]), name, crypto.encrypt(fields, context=cred_ctx[1]),
                       issuer.pk, crypto.encrypt(f"bench-{i}", context=cred_ctx[2]), issuer_record_index(f"bench-{i}"),
                       dt.date(2020, 1, 1), dt.date(2040, 1, 1), "valid", "", 1, False, now, now)
        return copy(Credential, COLUMNS[Credential], rows())

    def tests():
        return copy(TestResult, COLUMNS[TestResult],
                    ((id_number_index(number), "bench", f"T{i}", now, "nucleic_acid", "positive" if i % 1000 == 0 else "negative",
                      now - dt.timedelta(days=1), now - dt.timedelta(hours=20))
                     for i, (number, *_rest) in enumerate(people(n, offset=offset), start=offset) if i % 100 == 0))

    timings["population records"] = timed("population records", population)
    timings["accounts"] = timed("accounts", users)
    timings["id-card credentials"] = timed("id-card credentials", credentials)
    timings["test results (1 %)"] = timed("test results", tests)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rules = (default_ruleset(), list(default_ruleset().rules.order_by("id")))

    def statuses():
        total, start, chunk = 0, first + 1, 50_000
        last = PopulationRecord.objects.order_by("-id").values_list("id", flat=True).first()
        while start <= last:
            total += len(evaluate(PopulationRecord.objects.filter(id__gte=start, id__lt=start + chunk), rules=rules))
            start += chunk
        return total

    timings["health statuses (set-based evaluation)"] = timed("health statuses", statuses)
    return timings


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
