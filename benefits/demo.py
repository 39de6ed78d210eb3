"""The demo's 免申即享 policies: the Shanghai-style 老年综合津贴 (paid since 2023-05 to every resident
aged 65+ with no application), 高龄津贴 (MZ-003, until now applied for) becoming automatic, and a
失业保险金 notice (a service: no cash here, a reminder). Drafted by the item admin, published by the
superuser (a second person), matched once, with a few elderly people in the population base so the
counts are not empty. ``DEMO_POLICIES`` is also what the SQL == Python property test walks."""

from __future__ import annotations

import datetime as dt

from benefits.models import Policy, PolicyVersion
from core.usecases import SYSTEM

ALIVE = {"==": [{"var": "status"}, "normal"]}
AGE = {"var": "age"}

DEMO_POLICIES = [
    {
        "code": "LN-ZHJT", "name": "老年综合津贴", "name_en": "Combined allowance for older people", "department": "SD-MZT",
        "legal_basis": "《山东省老年人权益保障条例》；参照上海市老年综合津贴制度（2023年5月起免申即享）",
        "benefit_text": "65–69 周岁 75 元/月，70–79 周岁 150 元/月，80–89 周岁 180 元/月，90–99 周岁 350 元/月，100 周岁以上 600 元/月，按季度发放",
        "fields": ["age", "status"], "period": PolicyVersion.Period.QUARTER, "benefit": PolicyVersion.Benefit.CASH,
        "rule": {"and": [ALIVE, {">=": [AGE, 65]}]},
        "monthly_amount": {"if": [{">=": [AGE, 100]}, 600, {">=": [AGE, 90]}, 350, {">=": [AGE, 80]}, 180, {">=": [AGE, 70]}, 150, 75]},
        "impact_assessment": "PIA-2026-MZ-01",
    },
    {
        "code": "MZ-003", "name": "高龄津贴", "name_en": "Allowance for the very elderly", "department": "SD-MZT",
        "legal_basis": "《山东省老年人权益保障条例》第二十九条；济南市高龄津贴制度",
        "benefit_text": "济南市户籍 80–89 周岁 100 元/月，90–99 周岁 200 元/月，100 周岁以上 300 元/月（示例标准）",
        "fields": ["age", "status", "city_code"], "period": PolicyVersion.Period.MONTH, "benefit": PolicyVersion.Benefit.CASH,
        "rule": {"and": [ALIVE, {">=": [AGE, 80]}, {"==": [{"var": "city_code"}, "3701"]}]},
        "monthly_amount": {"if": [{">=": [AGE, 100]}, 300, {">=": [AGE, 90]}, 200, 100]},
        "impact_assessment": "PIA-2026-MZ-02",
    },
    {
        "code": "SY-BXJ", "name": "失业保险金提醒", "name_en": "Unemployment insurance benefit notice", "department": "SD-RST",
        "legal_basis": "《失业保险条例》第十四条、第十六条",
        "benefit_text": "劳动年龄内的居民：失业登记后即可领取失业保险金，无需另行申请（示例：以人口库的年龄为准，真实系统再声明失业登记字段）",
        "fields": ["age", "status", "area_code"], "period": PolicyVersion.Period.YEAR, "benefit": PolicyVersion.Benefit.SERVICE,
        "rule": {"and": [ALIVE, {"<=": [16, AGE, 59]}, {"in": [{"var": "area_code"}, ["370102", "370103"]]}]},
        "monthly_amount": None,
        "impact_assessment": "PIA-2026-RS-01",
    },
]

ELDERS = [("370102", dt.date(1956, 5, 1), "王秀英"), ("370102", dt.date(1944, 2, 29), "刘建国"),
          ("370103", dt.date(1933, 8, 15), "张桂兰"), ("370202", dt.date(1925, 1, 9), "陈福")]


def seed_benefits(users: dict) -> None:
    """Draft, publish (a second person) and match each demo policy once; a few elders in the base."""
    from benefits.services import match_run, version_draft, version_publish
    from identity import demo
    from identity.models import Department
    from identity.services import base_records_import

    if Policy.objects.exists():
        return
    base_records_import(actor=SYSTEM, kind="people", rows=[{"id_number": demo.id_number(area, born, 500 + n), "name": name}
                                                           for n, (area, born, name) in enumerate(ELDERS)])
    for spec in DEMO_POLICIES:
        department = Department.objects.get_or_create(code=spec["department"], defaults={"name": spec["department"], "area_code": "370000"})[0]
        policy = Policy.objects.create(code=spec["code"], name=spec["name"], name_en=spec["name_en"], department=department, legal_basis=spec["legal_basis"])
        version = version_draft(actor=users["item_admin"], policy=policy, rule=spec["rule"], fields=spec["fields"], benefit_text=spec["benefit_text"],
                                impact_assessment=spec["impact_assessment"], monthly_amount=spec["monthly_amount"], period=spec["period"],
                                benefit=spec["benefit"])
        version_publish(actor=users["superuser"], version=version)
        match_run(actor=SYSTEM, policy=policy)
