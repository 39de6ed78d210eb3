"""The policy yardsticks the province is judged by, computed from the data with SQL aggregates (one
query per figure, no rows brought back to Python but the 14 daily points) and cached for five minutes
per filter:

- share of items applicable online — province level against city and county (target ≥ 90 % / ≥ 70 %);
- materials saved: materials the state already held (免证办) over materials required (target 60 %);
- 秒批: share of decisions taken by the rules, and the median time from submission to decision;
- "at most one trip" coverage of the 100 most-applied items;
- overdue rate; good-rating rate (满意 or better, a re-rated application counted by its re-rating);
- credentials issued and verified; health-pass checks per day.

Filters: department (code), region (code), period (from, to: dates, inclusive). The figures span the
services, credentials and health apps, so they live here, above all three.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from benefits import selectors as benefits
from credentials.models import Credential, Verification
from healthcode.models import PassCheck
from services.models import BAD_LEVELS, Application, Rating, Region, ServiceItem, Status, Transition

CACHE_SECONDS = 300
DECIDED = (Status.APPROVED, Status.COMPLETED, Status.REJECTED)


@dataclass
class Figures:
    period: tuple[str, str]
    items_online: dict = field(default_factory=dict)  # level → {items, online, share}
    applications: int = 0
    materials_required: int = 0
    materials_saved: int = 0
    decided: int = 0
    decided_by_rules: int = 0
    median_decision_seconds: float | None = None
    top_items: int = 0
    top_items_one_trip: int = 0
    overdue: int = 0
    ratings: int = 0
    good_ratings: int = 0
    bad_ratings: int = 0
    credentials_issued: int = 0
    credentials_verified: int = 0
    checks_by_day: list = field(default_factory=list)  # [(YYYY-MM-DD, count)]
    benefits_without_application: int = 0  # 免申即享: benefits paid to people who never applied
    by_department: list = field(default_factory=list)

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def headline(self) -> dict:
        return {
            "online_share_province": (self.items_online.get("province") or {}).get("share"),
            "online_share_city_county": (self.items_online.get("local") or {}).get("share"),
            "materials_saved_share": self.share(self.materials_saved, self.materials_required),
            "instant_approval_share": self.share(self.decided_by_rules, self.decided),
            "median_decision_hours": round(self.median_decision_seconds / 3600, 2) if self.median_decision_seconds is not None else None,
            "one_trip_share_top_items": self.share(self.top_items_one_trip, self.top_items),
            "overdue_rate": self.share(self.overdue, self.applications),
            "good_rating_rate": self.share(self.good_ratings, self.ratings),
            "credentials_issued": self.credentials_issued,
            "credentials_verified": self.credentials_verified,
            "health_checks": sum(count for _day, count in self.checks_by_day),
            "benefits_without_application": self.benefits_without_application,
        }


def _window(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    end = end or timezone.localdate()
    start = start or end - dt.timedelta(days=29)
    tz = timezone.get_current_timezone()
    return start, end, dt.datetime.combine(start, dt.time.min, tz), dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)


def _median_seconds(applications) -> float | None:
    decided = applications.filter(status__in=DECIDED, decided_at__isnull=False)
    if connection.vendor == "postgresql":
        sql, params = decided.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM a.decided_at - a.created_at)) "  # noqa: S608 — the ORM's own SQL, its values as parameters
                           f"FROM services_application a WHERE a.id IN ({sql})", params)
            value = cursor.fetchone()[0]
        return float(value) if value is not None else None
    durations = sorted((d - c).total_seconds() for c, d in decided.values_list("created_at", "decided_at"))  # SQLite (make run)
    if not durations:
        return None
    middle = len(durations) // 2
    return durations[middle] if len(durations) % 2 else (durations[middle - 1] + durations[middle]) / 2


def _items_online(department: str, region: str) -> dict:
    items = ServiceItem.objects.filter(is_active=True)
    if department:
        items = items.filter(department__code=department)
    if region:
        items = items.filter(Q(region__code=region) | Q(region__parent__code=region))
    rows = items.values("region__level").annotate(total=Count("id"), online=Count("id", filter=Q(online=True)))
    levels = {row["region__level"]: row for row in rows}
    result = {}
    for name, wanted in (("province", [Region.Level.PROVINCE]), ("local", [Region.Level.CITY, Region.Level.COUNTY])):
        total = sum(levels.get(level, {}).get("total", 0) for level in wanted)
        online = sum(levels.get(level, {}).get("online", 0) for level in wanted)
        result[name] = {"items": total, "online": online, "share": Figures.share(online, total)}
    return result


def compute(*, department: str = "", region: str = "", start: dt.date | None = None, end: dt.date | None = None) -> Figures:
    start, end, since, until = _window(start, end)
    figures = Figures(period=(start.isoformat(), end.isoformat()), items_online=_items_online(department, region))
    applications = Application.objects.filter(created_at__gte=since, created_at__lt=until)
    ratings = Rating.objects.effective().filter(created_at__gte=since, created_at__lt=until)
    credentials = Credential.objects.filter(created_at__gte=since, created_at__lt=until)
    verifications = Verification.objects.filter(created_at__gte=since, created_at__lt=until)
    if department:
        applications = applications.filter(department__code=department)
        ratings = ratings.filter(department__code=department)
        credentials = credentials.filter(type__department__code=department)
        verifications = verifications.filter(credential__type__department__code=department)
    if region:
        applications = applications.filter(Q(item__region__code=region) | Q(item__region__parent__code=region))
        ratings = ratings.filter(Q(item__region__code=region) | Q(item__region__parent__code=region))
    totals = applications.aggregate(count=Count("id"), required=Sum("materials_total"), saved=Sum("materials_saved"),
                                    decided=Count("id", filter=Q(status__in=DECIDED)), overdue=Count("id", filter=Q(overdue=True)))
    figures.applications, figures.decided, figures.overdue = totals["count"], totals["decided"], totals["overdue"]
    figures.materials_required, figures.materials_saved = totals["required"] or 0, totals["saved"] or 0
    figures.decided_by_rules = Transition.objects.filter(application__in=applications, to_status=Status.APPROVED, actor__isnull=True).count()
    figures.median_decision_seconds = _median_seconds(applications)
    top = list(ServiceItem.objects.filter(applications__in=applications).annotate(n=Count("applications")).order_by("-n", "code")
               .values_list("at_most_one_trip", flat=True)[:100])
    figures.top_items, figures.top_items_one_trip = len(top), sum(top)
    rated = ratings.aggregate(count=Count("id"), good=Count("id", filter=Q(level__gte=4)), bad=Count("id", filter=Q(level__in=BAD_LEVELS)))
    figures.ratings, figures.good_ratings, figures.bad_ratings = rated["count"], rated["good"], rated["bad"]
    figures.credentials_issued, figures.credentials_verified = credentials.count(), verifications.count()
    figures.benefits_without_application = benefits.delivered_without_application(since=since, until=until, department=department)
    if not department:  # health checks belong to no department
        daily = dict(PassCheck.objects.filter(created_at__gte=since, created_at__lt=until).annotate(day=TruncDate("created_at"))
                     .values_list("day").annotate(n=Count("id")).values_list("day", "n"))
        figures.checks_by_day = [((start + dt.timedelta(days=i)).isoformat(), daily.get(start + dt.timedelta(days=i), 0))
                                 for i in range((end - start).days + 1)][-31:]
    figures.by_department = list(applications.values(code=F("department__code"), name=F("department__name"), name_en=F("department__name_en"))
                                 .annotate(applications=Count("id"), overdue=Count("id", filter=Q(overdue=True)),
                                           decided=Count("id", filter=Q(status__in=DECIDED)), saved=Sum("materials_saved"),
                                           required=Sum("materials_total")).order_by("code"))
    return figures


def cached(**filters) -> Figures:
    """``compute`` at most once per five minutes per filter (the dashboard and the public page)."""
    key = "yardsticks." + hashlib.sha256(json.dumps(filters, sort_keys=True, default=str).encode()).hexdigest()[:32]
    stored = cache.get(key)
    if stored is not None:
        return Figures(**stored)
    figures = compute(**filters)
    cache.set(key, asdict(figures), CACHE_SECONDS)
    return figures
