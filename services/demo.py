"""A demo catalogue for `make run`: loads ``services/demo_data.py`` (regions, themes and life events,
32 items over 10 departments with guides in Chinese, forms, 免证办 materials, two 秒批 items and
results that land in the wallet, 一件事 bundles) into the database, once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from credentials.models import CredentialType, HolderKind
from identity.models import Department
from services.demo_data import (
    BUNDLES,
    DEPARTMENTS,
    DEPARTMENTS_EN,
    FEES,
    ITEM_REGIONS,
    ITEMS,
    ITEMS_EN,
    LIFE_EVENTS,
    LIFE_EVENTS_EN,
    REGIONS,
    RESULT_TYPES,
    THEMES,
    THEMES_EN,
)
from services.models import Category, ItemVersion, Material, Region, ServiceItem


def english_names() -> None:
    """Fill the English names of the demo catalogue where none is set (an admin's own stays)."""
    for name, english in THEMES_EN.items():
        Category.objects.filter(kind="theme", name=name, name_en="").update(name_en=english)
    for name, english in LIFE_EVENTS_EN.items():
        Category.objects.filter(kind="life_event", name=name, name_en="").update(name_en=english)
    for code, english in DEPARTMENTS_EN.items():
        Department.objects.filter(code=code, name_en="").update(name_en=english)
    for code, english in ITEMS_EN.items():
        ServiceItem.objects.filter(code=code, name_en="").update(name_en=english)


def seed_catalogue() -> None:
    with transaction.atomic():
        regions = {}
        for code, name, level, parent in REGIONS:
            regions[code], _ = Region.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": regions.get(parent)})
        categories = {}
        for name in THEMES:
            categories[name], _ = Category.objects.get_or_create(kind="theme", name=name)
        for name in LIFE_EVENTS:
            categories["life:" + name], _ = Category.objects.get_or_create(kind="life_event", name=name)
        departments = {}
        for code, name in DEPARTMENTS.items():
            departments[code], _ = Department.objects.get_or_create(code=code, defaults={"name": name, "area_code": "370000"})
        for code, name, dept, serial, schema in RESULT_TYPES:
            department = departments[dept]
            if not department.credit_code:
                from identity import demo

                department.credit_code = demo.credit_code("370000", 30 + list(DEPARTMENTS).index(dept), "1", "1")
                department.save(update_fields=["credit_code"])
            CredentialType.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "holder_kind": HolderKind.PERSON,
                    "department": department,
                    "type_code": department.credit_code + serial,
                    "field_schema": schema,
                    "validity_years": None,
                    "colour": "#0f6b5c",
                },
            )
        for code, name, dept, keywords, themes, events, applicant, online, frequent, days, materials, form, rules, result in ITEMS:
            if ServiceItem.objects.filter(code=code).exists():
                continue
            item = ServiceItem.objects.create(
                code=code,
                name=name,
                department=departments[dept],
                region=regions[ITEM_REGIONS.get(code, "370000")],
                keywords=keywords,
                applicant_kind=applicant,
                online=online,
                high_frequency=frequent,
                at_most_one_trip=True,
            )
            item.categories.set([categories[t] for t in themes] + [categories["life:" + e] for e in events])
            version = ItemVersion.objects.create(
                item=item,
                version=1,
                time_limit_days=days,
                legal_basis=f"《山东省政务服务管理办法》；{DEPARTMENTS[dept]}关于“{name}”的办事规定。",
                who_may_apply="在本省办理业务的自然人。" if applicant == "person" else "在本省登记注册的企业和其他组织。",
                conditions="申请材料齐全、符合法定形式。",
                steps="网上或掌上提交申请\n部门受理\n审核（符合秒批规则的即时批准）\n办结，电子证照存入卡包"
                if rules
                else "网上或掌上提交申请\n部门受理\n审核\n办结，结果推送至卡包或邮寄",
                fees=FEES.get(code, (0, "不收费"))[1],
                fee_fen=FEES.get(code, (0, ""))[0],
                window_address=f"{DEPARTMENTS[dept]}政务服务窗口（济南市历下区龙奥北路1号）",
                window_hours="工作日 9:00–17:00",
                form_schema=form,
                approval_rules=rules,
                result_credential_type=CredentialType.objects.filter(code=result).first() if result else None,
                result_validity_years=6 if result == "driving_licence" else None,
            )
            for material in materials:
                label, kind, ctype = material[:3]
                required = material[3] if len(material) > 3 else True
                Material.objects.create(
                    version=version,
                    name=label,
                    kind=kind,
                    required=required,
                    credential_type=CredentialType.objects.filter(code=ctype).first() if ctype else None,
                )
            ItemVersion.objects.filter(pk=version.pk).update(published_at=timezone.now())
            ServiceItem.objects.filter(pk=item.pk).update(current_version=version)
        english_names()
        seed_bundles()


def seed_bundles() -> None:
    """The demo's 一件事 bundles (only those not there yet)."""
    from services.models import Bundle, BundlePart

    for code, name, name_en, description, parts in BUNDLES:
        if Bundle.objects.filter(code=code).exists():
            continue
        bundle = Bundle.objects.create(code=code, name=name, name_en=name_en, description=description)
        made = {}
        for position, (item, after) in enumerate(parts):
            made[item] = BundlePart.objects.create(bundle=bundle, item=ServiceItem.objects.get(code=item), position=position, after=made.get(after))
