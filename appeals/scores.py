"""Department scores for cases, per month, computed in SQL from the cases (one grouped query, as the
policy yardsticks are):

- 响应率 (response) = cases dispatched to the department in the month that it accepted (签收) within
  the return window ÷ cases dispatched to it in the month;
- 解决率 (solved) = of those cases called back (回访), the ones the citizen said were solved ÷ called back;
- 满意率 (satisfied) = of those called back, the ones the citizen was satisfied with ÷ called back;
- score = 100 × (w₁·响应率 + w₂·解决率 + w₃·满意率) / (w₁ + w₂ + w₃), the weights from
  ``QILU_CASE_SCORE_WEIGHTS`` (default 0.2, 0.4, 0.4); a rate with no cases counts as not measured
  and its weight drops out.

A case counts in the month it was (last) dispatched, for the department that holds it. Anonymised
cases keep these fields, so the scores survive retention.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from appeals.models import Case

DEFAULT_WEIGHTS = {"response": 0.2, "solved": 0.4, "satisfied": 0.4}


@dataclass
class DepartmentScore:
    department: str
    department_en: str
    month: dt.date
    dispatched: int
    responded: int
    called_back: int
    solved: int
    satisfied: int
    response_rate: float | None
    solved_rate: float | None
    satisfied_rate: float | None
    score: float | None


def weights() -> dict[str, float]:
    configured = getattr(settings, "QILU_CASE_SCORE_WEIGHTS", None) or {}
    return {key: float(configured.get(key, default)) for key, default in DEFAULT_WEIGHTS.items()}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _score(rates: dict[str, float | None], weight: dict[str, float]) -> float | None:
    measured = {key: rate for key, rate in rates.items() if rate is not None and weight[key] > 0}
    total = sum(weight[key] for key in measured)
    return round(100 * sum(weight[key] * rate for key, rate in measured.items()) / total, 1) if total else None


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def department_scores(*, month: dt.date | None = None) -> list[DepartmentScore]:
    """Every department's figures for ``month`` (the current month by default), best score first."""
    start = month_start(month or timezone.localdate())
    end = (start + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    low = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    high = timezone.make_aware(dt.datetime.combine(end, dt.time.min), tz)
    rows = (Case.objects.filter(department__isnull=False, dispatched_at__gte=low, dispatched_at__lt=high)
            .annotate(month=TruncMonth("dispatched_at", tzinfo=tz))
            .values("department__name", "department__name_en", "month")
            .annotate(dispatched=Count("id"), responded=Count("id", filter=Q(accepted_at__isnull=False, accepted_at__lte=F("return_due"))),
                      called_back=Count("id", filter=Q(called_back_at__isnull=False)),
                      solved=Count("id", filter=Q(called_back_at__isnull=False, solved=True)),
                      satisfied=Count("id", filter=Q(called_back_at__isnull=False, satisfied=True)))
            .order_by("department__name"))
    weight = weights()
    scores = []
    for row in rows:
        rates = {"response": _rate(row["responded"], row["dispatched"]), "solved": _rate(row["solved"], row["called_back"]),
                 "satisfied": _rate(row["satisfied"], row["called_back"])}
        month_value = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        scores.append(DepartmentScore(department=row["department__name"], department_en=row["department__name_en"], month=month_value,
                                      dispatched=row["dispatched"], responded=row["responded"], called_back=row["called_back"],
                                      solved=row["solved"], satisfied=row["satisfied"], response_rate=rates["response"],
                                      solved_rate=rates["solved"], satisfied_rate=rates["satisfied"], score=_score(rates, weight)))
    return sorted(scores, key=lambda s: (s.score is None, -(s.score or 0), s.department))


def latest() -> tuple[dt.date, list[DepartmentScore]]:
    """This month's scores, or last month's while this one has none yet (the first days of a month)."""
    this_month = month_start(timezone.localdate())
    rows = department_scores(month=this_month)
    if rows:
        return this_month, rows
    last_month = month_start(this_month - dt.timedelta(days=1))
    return last_month, department_scores(month=last_month)
