"""Reads for the person's pages and the API: their own entitlements only (anyone else's answers 404),
and "why / why not me" from the stored evidence or their current base record."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from benefits import rules
from benefits.models import Entitlement, Policy, PolicyVersion
from core.errors import NotFound
from identity.models import PopulationRecord, User


def my_entitlements(user: User) -> QuerySet[Entitlement]:
    """By the person's ID number's index: what was matched before they had an account is theirs too."""
    return Entitlement.objects.filter(person_index=user.id_number_index).select_related("policy__department", "version").order_by("-created_at", "-id")


def awaiting_answer(user: User) -> QuerySet[Entitlement]:
    """Entitlements told to the person and not yet answered (confirm a card, decline, object): the home's 待办."""
    return my_entitlements(user).filter(status=Entitlement.Status.NOTIFIED)


def my_entitlement(user: User, pk: int) -> Entitlement:
    found = my_entitlements(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class Why:
    policy: Policy
    eligible: bool
    conditions: list[tuple[str, bool]]
    facts: list[tuple[str, object]]  # (label, value) of each field read
    legal_basis: str
    day: str


def _why(version: PolicyVersion, data: dict, day: str) -> Why:
    return Why(policy=version.policy, eligible=bool(rules.evaluate(version.rule, data)),
               conditions=rules.explain(version.rule, data),
               facts=[(str(rules.FIELDS[name].label), rules.shown(name, value)) for name, value in data.items()],
               legal_basis=version.policy.legal_basis, day=day)


def why(entitlement: Entitlement) -> Why:
    """Reproduced from the evidence stored (encrypted) when it was matched, whatever changed since."""
    stored = json.loads(entitlement.evidence or "{}")
    return _why(entitlement.version, stored.get("facts", {}), stored.get("day", ""))


def why_not_me(user: User, policy: Policy) -> Why:
    """The published version's rule on the person's current base record (only the declared fields)."""
    version = policy.versions.filter(status=PolicyVersion.Status.PUBLISHED).first()
    record = PopulationRecord.objects.filter(id_number_index=user.id_number_index).first()
    if version is None or record is None:
        raise NotFound()
    from benefits.matching import period_of

    day = period_of(version, timezone.localdate()).first_day
    return _why(version, rules.facts(record, fields=version.fields, day=day), day.isoformat())


def published_policies() -> QuerySet[Policy]:
    return Policy.objects.filter(versions__status=PolicyVersion.Status.PUBLISHED).select_related("department").distinct()


def published_policy(code: str) -> Policy:
    """A policy with a published version; any other code answers 404."""
    found = published_policies().filter(code=code).first()
    if found is None:
        raise NotFound()
    return found


def delivered_without_application(*, since, until, department: str = "") -> int:
    """The yardstick: benefits paid in the window to people who never applied."""
    paid = Entitlement.objects.filter(status=Entitlement.Status.PAID, payout__paid_at__gte=since, payout__paid_at__lt=until)
    return (paid.filter(policy__department__code=department) if department else paid).count()
