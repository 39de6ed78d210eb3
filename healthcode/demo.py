"""Demo health data for `make run`: rule version 1, a risk area, a venue with its code, test results."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from healthcode.evaluation import evaluate
from healthcode.models import DailyCount, RiskArea, Rule, RuleSet, TestResult, Venue
from identity.models import PopulationRecord

RULES = [
    ("positive-test", Rule.Kind.POSITIVE_TEST, "red", 14, 72, "high",
     "14天内核酸或抗原检测结果为阳性", "A positive test within the last 14 days"),
    ("close-contact", Rule.Kind.CLOSE_CONTACT, "red", 14, 72, "high",
     "14天内被判定为密切接触者", "Listed as a close contact within the last 14 days"),
    ("high-risk-area", Rule.Kind.RISK_AREA_STAY, "yellow", 14, 72, "high",
     "14天内到访过高风险区域，且离开后72小时以上未做核酸检测（阴性）",
     "Stayed in a high-risk area in the last 14 days, with no negative test taken 72 hours or more after leaving"),
    ("symptoms", Rule.Kind.SYMPTOMS, "yellow", 7, 72, "high",
     "7天内申报了发热、咳嗽等症状", "Declared symptoms in the last 7 days"),
]


def default_ruleset(officer=None) -> RuleSet:
    """Rule version 1, in force (created once)."""
    ruleset = RuleSet.objects.filter(version=1).first()
    if ruleset is None:
        ruleset = RuleSet.objects.create(version=1, note="初始规则", in_force=not RuleSet.objects.filter(in_force=True).exists(),
                                         published_at=timezone.now(), created_by=officer)
        for code, kind, colour, days, hours, level, text, text_en in RULES:
            Rule.objects.create(ruleset=ruleset, code=code, kind=kind, colour=colour, days=days, hours=hours, level=level,
                                explanation=text, explanation_en=text_en)
    return ruleset


def seed_health(users: dict) -> None:
    default_ruleset(users.get("health_officer"))
    now = timezone.now()
    RiskArea.objects.get_or_create(area_code="370203", defaults={"name": "青岛市市北区", "level": RiskArea.Level.HIGH,
                                                                  "starts_at": now - dt.timedelta(days=3)})
    Venue.objects.get_or_create(name="泉城广场", manager=users["venue_manager"], defaults={"area_code": "370102", "address": "济南市历下区泺源大街"})
    citizen = users["citizen"]
    TestResult.objects.get_or_create(source="demo", external_id="NA-1", defaults={
        "person_index": citizen.id_number_index, "kind": TestResult.Kind.NUCLEIC_ACID, "result": TestResult.Result.NEGATIVE,
        "sampled_at": now - dt.timedelta(days=1, hours=3), "reported_at": now - dt.timedelta(days=1)})
    evaluate(PopulationRecord.objects.all())


def seed_history(days: int = 14) -> None:
    """A demo history for the statistics chart: today's real counts (the nightly snapshot's own query),
    and for the days before, those counts with yellow and red a little higher each day back — as an
    outbreak that is ending looks. Only on a fresh database; never over real snapshots."""
    from healthcode.tasks import snapshot_counts

    today = timezone.localdate()
    if DailyCount.objects.filter(day__lt=today).exists():
        return
    snapshot_counts()
    rows = list(DailyCount.objects.filter(day=today))
    history = []
    for back in range(1, days):
        for row in rows:
            grow = 1 + 0.15 * back if row.colour != "green" else 1 - 0.01 * back
            history.append(DailyCount(day=today - dt.timedelta(days=back), area_code=row.area_code, colour=row.colour,
                                      count=max(int(round(row.count * grow)) + (back if row.colour == "yellow" else 0), 0)))
    DailyCount.objects.bulk_create(history)
