"""The health part of a person's data export."""

from __future__ import annotations

from identity import exports


def _section(user) -> dict:
    from healthcode.models import Appeal, Dependant, HealthStatus, PassCheck, SelfDeclaration, Stay, TestResult, Vaccination

    index = user.id_number_index
    status = HealthStatus.objects.filter(person_index=index).first()
    return {
        "status": {"colour": status.colour, "reasons": status.reason_codes, "rule_version": status.rule_version, "evaluated_at": status.evaluated_at}
        if status else None,
        "test_results": list(TestResult.objects.filter(person_index=index).values("kind", "result", "sampled_at", "reported_at", "source")),
        "vaccinations": list(Vaccination.objects.filter(person_index=index).values("product", "dose", "vaccinated_at")),
        "stays": list(Stay.objects.filter(person_index=index).values("area_code", "arrived_at", "left_at", "source", "venue__name")),
        "declarations": list(SelfDeclaration.objects.filter(person_index=index).values("symptoms", "note", "declared_at")),
        "checks": list(PassCheck.objects.filter(person_index=index).values("created_at", "place", "valid", "reason", "colour")),
        "appeals": list(Appeal.objects.filter(appellant=user).values("created_at", "reason", "status", "decision_note", "decided_at")),
        "dependants": [{"name": d.name, "relation": d.relation, "consent": d.consent, "since": d.consent_recorded_at}
                       for d in Dependant.objects.filter(guardian=user, revoked_at__isnull=True)],
    }


def register_export() -> None:
    exports.register("health", _section)
