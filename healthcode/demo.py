"""Demo health data for `make run`: rule version 1, a risk area, a venue with its code, test results."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from healthcode.evaluation import evaluate
from healthcode.models import RiskArea, Rule, RuleSet, TestResult, Venue
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
