"""Which department a new case goes to: the routing rules in order, first match wins (every filled
condition must hold; a rule on a category covers its sub-categories). What no rule routes waits in
the dispatcher's queue with a suggested category — a suggestion the dispatcher confirms, never a
silent dispatch. The suggestion reads the categories' keywords; the knowledge slice's retrieval can
take its place behind ``suggest_category``."""

from __future__ import annotations

from appeals.models import Case, CaseCategory, RoutingRule


def _matches(rule: RoutingRule, case: Case, lineage: list[int]) -> bool:
    text = f"{case.title} {case.text}"
    return ((not rule.category_id or rule.category_id in lineage)
            and (not rule.area or (case.area and rule.area in case.area))
            and (not rule.kind or rule.kind == case.kind)
            and (not rule.keyword or rule.keyword in text))


def first_rule(case: Case) -> RoutingRule | None:
    lineage = case.category.lineage() if case.category_id else []
    for rule in RoutingRule.objects.filter(is_active=True).select_related("department"):
        if _matches(rule, case, lineage):
            return rule
    return None


def suggest_category(text: str) -> CaseCategory | None:
    """The active category with the most keyword hits in ``text`` (none without a hit)."""
    best, hits = None, 0
    for category in CaseCategory.objects.filter(is_active=True).exclude(keywords=""):
        count = sum(1 for word in category.keywords.split() if word and word in text)
        if count > hits:
            best, hits = category, count
    return best
