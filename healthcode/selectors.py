"""Health-pass reads. The hot path — my status — is one cache read (Redis in production) and, on a
miss, one primary-key read; it never grows with the number of citizens."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy

from core.errors import NotFound
from healthcode.models import Appeal, Dependant, HealthStatus, PassCheck, Rule, TrustedIssuer, Venue
from identity.models import PopulationRecord, User

_RULE_WORDS: dict[int, dict[str, tuple[str, str]]] = {}


def _rule_words(version: int) -> dict[str, tuple[str, str]]:
    """A published rule version never changes, so its words are read once per process."""
    if version not in _RULE_WORDS:
        words = {rule.code: (rule.explanation, rule.explanation_en)
                 for rule in Rule.objects.filter(ruleset__version=version, ruleset__published_at__isnull=False)}
        if not words:
            return words  # not published (yet): ask again next time
        _RULE_WORDS[version] = words
    return _RULE_WORDS[version]


def words_known(status: dict) -> bool:
    """Whether ``explain`` answers this status from words kept for good: no reasons, or its rule version read."""
    return not status["reasons"] or status["rule_version"] in _RULE_WORDS


def explain(status: dict, *, language: str = "zh-hans") -> list[dict]:
    """Plain words for each reason, from the rule version that produced the status."""
    from django.utils.translation import gettext as _

    words = _rule_words(status["rule_version"]) if status["reasons"] else {}
    texts = []
    for code in status["reasons"]:
        if code == "override":
            texts.append({"code": code, "text": _("A health officer set this colour after a review.")})
        elif code in words:
            zh, en = words[code]
            texts.append({"code": code, "text": en if language == "en" and en else zh})
    if not texts:
        texts.append({"code": "none", "text": _("No rule applies to you: your pass is green.")})
    return texts


def reason_texts(codes: list[str], *, language: str = "zh-hans") -> list[str]:
    """What the reason codes stored with a past status (an appeal's) mean, in words: each rule's
    explanation from the newest published rule version that has it."""
    from django.utils.translation import gettext as _

    words = {rule.code: (rule.explanation, rule.explanation_en) for rule in
             Rule.objects.filter(code__in=codes, ruleset__published_at__isnull=False).order_by("ruleset__version")}
    texts = []
    for code in codes:
        if code == "override":
            texts.append(_("A health officer set this colour after a review."))
        elif code in words:
            zh, en = words[code]
            texts.append(en if language == "en" and en else zh)
        else:
            texts.append(_("另一条赋码规则"))
    return texts


def dependants_of(user: User) -> QuerySet[Dependant]:
    return Dependant.objects.filter(guardian=user, revoked_at__isnull=True).order_by("name")


def dependant_for(user: User, pk: int) -> Dependant:
    dependant = dependants_of(user).filter(pk=pk).first()
    if dependant is None:
        raise NotFound()
    return dependant


def checks_of(person_index: str) -> QuerySet[PassCheck]:
    return PassCheck.objects.filter(person_index=person_index).select_related("checker")


def appeals_of(user: User) -> QuerySet[Appeal]:
    return Appeal.objects.filter(appellant=user).select_related("override")


def venues_of(user: User) -> QuerySet[Venue]:
    return Venue.objects.filter(manager=user).order_by("-created_at")


def venue_managed_by(user: User, code: str) -> Venue:
    venue = venues_of(user).filter(code=code).first()
    if venue is None:
        raise NotFound()
    return venue


def open_venue(code: str) -> Venue:
    """A venue whose code anyone may scan (an active one)."""
    venue = Venue.objects.filter(code=code, is_active=True).first()
    if venue is None:
        raise NotFound()
    return venue


def colour_counts(area_prefix: str = "") -> dict:
    """Live counts by colour and by city (first four digits of the area code)."""
    statuses = HealthStatus.objects.all()
    if area_prefix:
        statuses = statuses.filter(area_code__startswith=area_prefix)
    by_colour = dict(statuses.values_list("colour").annotate(n=Count("pk")).values_list("colour", "n"))
    from django.db.models.functions import Left

    by_city = list(
        statuses.annotate(city=Left("area_code", 4)).values("city", "colour").annotate(n=Count("pk")).order_by("city", "colour")
    )
    return {"by_colour": by_colour, "by_city": by_city, "people": PopulationRecord.objects.count()}


APPEAL_DECIDED_DAYS = 14  # a decided appeal stays on the person's home page this long


def appeals_decided_for(user: User, *, days: int = APPEAL_DECIDED_DAYS) -> QuerySet[Appeal]:
    """My health-pass appeals decided in the last ``days``, newest first (the signed-in home)."""
    import datetime as dt

    from django.utils import timezone

    since = timezone.now() - dt.timedelta(days=days)
    return appeals_of(user).filter(decided_at__gte=since).exclude(status=Appeal.Status.PENDING).order_by("-decided_at")


OUR_NAME = gettext_lazy("山东省健康通行码平台")  # translated when shown: a checkpoint's JSON answer never shows it


def issuer_name(issuer_id: str | None) -> str | None:
    """The pass issuer by name: ours, or a trusted province's as its trust entry names it."""
    if not issuer_id:
        return None
    if issuer_id == settings.QILU_ISSUER_ID:
        return OUR_NAME
    return TrustedIssuer.objects.filter(issuer_id=issuer_id).values_list("name", flat=True).first()
