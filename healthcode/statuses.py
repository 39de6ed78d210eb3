"""A person's current health status: the one owner of reading it through the cache and of
re-evaluating it on the spot when it is missing or due. The hot path — my pass — is one cache read
and, on a miss, one primary-key read; it never grows with the number of citizens."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from core import replicas
from core.errors import NotFound
from healthcode import status_cache
from healthcode.evaluation import evaluate_people
from healthcode.models import HealthStatus
from identity import prefetch


def status_for(person_index: str) -> dict:
    """The person's current status as a dict (colour, reasons, rule version, times). Evaluated on the
    spot when there is none yet or when it is due for re-evaluation."""
    status = prefetch.get(status_cache.key(person_index))  # read with my session when my pass asked for it (identity.prefetch)
    if status is not None and status["valid_until"] > timezone.now():
        return status
    row = replicas.read(lambda: HealthStatus.objects.filter(person_index=person_index).first(), fresh_since=cache.get(status_cache.CHANGED_KEY, 0))
    if row is None or row.valid_until <= timezone.now():
        evaluate_people([person_index])
        row = HealthStatus.objects.filter(person_index=person_index).first()
        if row is None:
            raise NotFound(_("There is no population record for this person, so no health pass."), code="no_population_record")
    status = {
        "colour": row.colour,
        "reasons": row.reason_codes,
        "rule_version": row.rule_version,
        "evaluated_at": row.evaluated_at,
        "valid_until": row.valid_until,
        "override_id": row.override_id,
    }
    cache.set(status_cache.key(person_index), status, status_cache.CACHE_SECONDS)
    return status
