"""Catalogue search and scoped reads: my applications (``NotFound`` for anyone else's), my department's queue,
my 一件事 applications and their timelines."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from core import people
from core.errors import NotFound
from core.fields import localised
from core.public_cache import KEEP, Stamp
from credentials.models import Credential, HolderKind
from credentials.selectors import valid_credential, valid_credentials
from family.permissions import may_act
from identity.models import Organisation, User
from services import permissions
from services.models import OPEN_STATUSES, Application, AttachedMaterial, Bundle, BundleApplication, BundlePart, ItemVersion, Material, ServiceItem, Upload

CATALOGUE = Stamp("catalogue")  # moved by services/receivers.py on any catalogue change


# Rankers other apps register (the knowledge app's retrieval, from its AppConfig.ready): q → item codes, best first.
ITEM_RANKERS: list[Callable[[str], list[str]]] = []


def catalogue(*, q: str = "", department: str = "", category: str = "", online: bool | None = None) -> QuerySet[ServiceItem]:
    """Published, active items. ``q`` matches Chinese keywords as substrings of the name, keywords,
    department and guide (驾驶证 finds 机动车驾驶证期满换证); with a ranker registered (``ITEM_RANKERS``)
    the items it finds for ``q`` come first, in its order (驾照快到期了怎么换 finds 机动车驾驶证期满换证)."""
    items = ServiceItem.objects.filter(is_active=True, current_version__published_at__isnull=False).select_related(
        "department", "region", "current_version")
    matches = Q()
    for word in q.split():
        matches &= (Q(name__icontains=word) | Q(keywords__icontains=word) | Q(department__name__icontains=word)
                    | Q(current_version__who_may_apply__icontains=word))
    ranked = [code for ranker in ITEM_RANKERS for code in ranker(q)] if q.strip() else []
    if ranked:
        items = items.filter(matches | Q(code__in=ranked)).annotate(
            rank=Case(*(When(code=code, then=Value(n)) for n, code in enumerate(ranked)), default=Value(len(ranked)), output_field=IntegerField()))
    else:
        items = items.filter(matches)
    if department:
        items = items.filter(department__code=department)
    if category:
        items = items.filter(categories__pk=category) if category.isdigit() else items.filter(categories__name=category)
    if online is not None:
        items = items.filter(online=online)
    return items.distinct().order_by(*(["rank"] if ranked else []), "-high_frequency", "code")


def item_for(code: str) -> ServiceItem:
    item = catalogue().filter(code=code).first()
    if item is None:
        raise NotFound()
    return item


def item_for_applying(code: str) -> ServiceItem:
    """The item with its current version and that version's materials (with their credential types),
    from the cache. Kept with the catalogue stamp it was read under and used only while the stamp is
    still that, so any catalogue change — publishing a version, editing a material — is seen by the next
    submission; the stamp and the kept item are read in one round trip (issue 25)."""
    key = f"catalogue:apply:{code}"
    kept = cache.get_many([CATALOGUE.key, key])
    stamp = kept[CATALOGUE.key] if CATALOGUE.key in kept else CATALOGUE.current()
    if key in kept and kept[key][0] == stamp:
        return kept[key][1]
    item = item_for(code)
    if item.current_version is not None:
        prefetch_related_objects([item.current_version], Prefetch("materials", queryset=Material.objects.select_related("credential_type")))
    cache.set(key, (stamp, item), KEEP)
    return item


def applications_of(user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("item", "department").order_by("-created_at")


def completed_application(number: str) -> Application | None:
    """A completed application by number, for the public check of its result notice (the caller has
    already checked the notice's signed number)."""
    return (Application.objects.filter(number=number, status="completed")
            .select_related("item", "department", "applicant", "organisation", "result_credential").first())


def application_for(user: User, number: str) -> Application:
    """An application its applicant may see, or a reviewer of its department; anyone else gets 404."""
    application = Application.objects.select_related("item", "version", "department", "applicant", "organisation", "assigned_to",
                                                     "result_credential").filter(number=number).first()
    if application is None:
        raise NotFound()
    if not permissions.may_see_application(user, application):
        raise NotFound()
    return application


def own_application_for(user: User, number: str, *, family_act: str | None = None) -> Application:
    """An application only its applicant may act on (withdraw, resubmit) — or, for ``family_act``
    (paying, rating), a guardian allowed to (家庭代办, ``family.permissions``); staff and others get 404."""
    application = application_for(user, number)
    if application.applicant_id != user.pk and not (family_act and may_act(actor=user, dependant=application.applicant, act=family_act)):
        raise NotFound()
    return application


def queue_for(reviewer: User, *, status: str = "", overdue: bool = False, mine: bool = False, q: str = "") -> QuerySet[Application]:
    """The reviewer's department queue (never another department's), oldest deadline first."""
    if not permissions.is_reviewer_of(reviewer, reviewer.department_id):
        return Application.objects.none()
    applications = Application.objects.filter(department_id=reviewer.department_id).select_related("item", "applicant", "assigned_to")
    applications = applications.filter(status=status) if status else applications.filter(status__in=OPEN_STATUSES)
    if overdue:
        applications = applications.filter(overdue=True)
    if mine:
        applications = applications.filter(assigned_to=reviewer)
    if q:
        applications = applications.filter(Q(number__icontains=q) | Q(item__name__icontains=q))
    return applications.order_by("due_at")


def upload_for(user: User, upload_id) -> Upload:
    """Its owner, or a reviewer of the department of an application it is attached to."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None:
        raise NotFound()
    if upload.owner_id == user.pk:
        return upload
    if permissions.is_reviewer_of(user, user.department_id) and Application.objects.filter(
            attachments__upload=upload, department_id=user.department_id).exists():
        return upload
    raise NotFound()


def saved_materials_ratio() -> dict:
    """How many materials citizens did not have to submit (免证办 yardstick: 60 % fewer)."""
    from django.db.models import Sum

    totals = Application.objects.aggregate(total=Sum("materials_total"), saved=Sum("materials_saved"))
    total, saved = totals["total"] or 0, totals["saved"] or 0
    return {"total": total, "saved": saved, "ratio": saved / total if total else 0.0}


def most_applied_item(*, days: int = 30) -> ServiceItem | None:
    """The item applied for most in the last ``days`` (elder mode's fourth home task), else the first
    high-frequency item; cached for ten minutes."""
    from django.db.models import Count
    from django.utils import timezone

    key = f"catalogue:popular:{CATALOGUE.current()}:{days}"
    code = cache.get(key)
    if code is None:
        since = timezone.now() - dt.timedelta(days=days)
        top = (Application.objects.filter(created_at__gte=since, item__is_active=True, item__online=True).values("item__code")
               .annotate(n=Count("id")).order_by("-n", "item__code").first())
        first = catalogue().filter(high_frequency=True, online=True).values_list("code", flat=True).first()
        code = top["item__code"] if top else (first or "")
        cache.set(key, code, 600)
    return catalogue().filter(code=code).first() if code else None


RATINGS = Stamp("ratings")  # moved on any rating (services/receivers.py): the public scores are cached per stamp


def _scores(queryset, *keys):
    """Ratings grouped by ``keys``: how many, how many bad, the average level (``Rating.objects.effective``)."""
    from django.db.models import Avg, Count, Q

    from services.models import BAD_LEVELS

    return (queryset.effective().values(*keys)
            .annotate(ratings=Count("id"), bad=Count("id", filter=Q(level__in=BAD_LEVELS)), average=Avg("level")))


def item_scores() -> list[dict]:
    """Per item: ratings, bad ones, average level (1–5); only items with ratings."""
    from services.models import Rating

    rows = _scores(Rating.objects.filter(item__isnull=False), "item__code", "item__name", "item__name_en").order_by("item__code")
    return [{"code": row["item__code"], "name": row["item__name"], "name_en": row["item__name_en"], "ratings": row["ratings"], "bad": row["bad"],
             "average": round(row["average"], 2)} for row in rows]


def department_ranking() -> list[dict]:
    """Departments by their share of bad ratings, lowest first (then by more ratings)."""
    from services.models import Rating

    rows = _scores(Rating.objects.all(), "department__code", "department__name", "department__name_en")
    ranked = [{"code": row["department__code"], "name": row["department__name"], "name_en": row["department__name_en"], "ratings": row["ratings"],
               "bad": row["bad"], "bad_rate": round(row["bad"] / row["ratings"], 4), "average": round(row["average"], 2)} for row in rows]
    return sorted(ranked, key=lambda row: (row["bad_rate"], -row["ratings"], row["code"]))


def rating_of(applicant: User, application: Application):
    """The applicant's first rating of this application, with its case and re-rating; None if unrated."""
    from services.models import Rating

    return Rating.objects.select_related("rectification", "revision").filter(application=application, rater=applicant, revises__isnull=True).first()


def rectifications_for(reviewer: User):
    """The reviewer's department's bad-rating cases, earliest deadline first (never another department's)."""
    from services.models import Rectification

    if not permissions.is_reviewer_of(reviewer, reviewer.department_id):
        return Rectification.objects.none()
    return (Rectification.objects.filter(department_id=reviewer.department_id)
            .select_related("rating__application", "rating__item", "rating__rater", "rating__visit__service_hall").order_by("status", "callback_due"))


def rectification_for(reviewer: User, pk: int):
    case = rectifications_for(reviewer).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def bundles():
    """The bundles on offer, each with its parts in order (public)."""
    from django.db.models import Prefetch

    from services.models import Bundle, BundlePart

    parts = BundlePart.objects.select_related("item__department", "after__item").order_by("position")
    found = list(Bundle.objects.filter(is_active=True).prefetch_related(Prefetch("parts", queryset=parts, to_attr="ordered_parts")))
    return found


def bundle_for(code: str):
    from services.models import Bundle

    found = Bundle.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise NotFound()
    return found


def bundle_parts(bundle: Bundle) -> list[BundlePart]:
    """A bundle's parts in order, with their items' current versions."""
    return list(bundle.parts.select_related("item__current_version", "item__department", "after").order_by("position"))


def bundle_application_for(user: User, number: str) -> BundleApplication:
    """My 一件事 application; anyone else's (or a number that does not exist) is ``NotFound``."""
    found = BundleApplication.objects.select_related("bundle").filter(number=number, applicant=user).first()
    if found is None:
        raise NotFound()
    return found


def bundle_timeline(bundle_application: BundleApplication) -> list[dict]:
    """One line per part, in order: its application (or that it waits for an earlier part's result)."""
    made = {a.item_id: a for a in bundle_application.parts.select_related("item", "department")}
    lines = []
    for part in bundle_parts(bundle_application.bundle):
        application = made.get(part.item_id)
        lines.append({"item": part.item.code, "name": part.item.local_name, "department": part.item.department.local_name,
                      "waits_for": part.after.item.code if part.after_id else None, "application": application.number if application else None,
                      "status": application.status if application else "waiting",
                      "status_label": application.get_status_display() if application else _("待前序事项办结")})
    return lines


def visit_for(user: User, pk: int):
    """A counter check of one of ``user``'s credentials (theirs to rate); anyone else's answers 404."""
    from credentials.models import Verification

    visit = Verification.objects.select_related("credential", "service_hall").filter(pk=pk).first()
    if visit is None or visit.credential is None or visit.credential.holder_index != user.id_number_index:
        raise NotFound()
    return visit


RATING_INVITED_DAYS = 30  # a decided application asks for its rating on the home page this long


def waiting_on_applicant(user: User, *, limit: int = 10) -> list[Application]:
    """The applicant's own applications that wait for them (the signed-in home's 待办): 补正 requested
    (with what the reviewer asked for as ``asked``), a fee to pay, or a rating invited (decided in the
    last 30 days and not rated yet). One query; oldest deadline first."""
    from django.db.models import Exists, OuterRef, Subquery
    from django.utils import timezone

    from services.models import Rating, Status, Transition

    since = timezone.now() - dt.timedelta(days=RATING_INVITED_DAYS)
    asked = Transition.objects.filter(application=OuterRef("pk"), to_status=Status.SUPPLEMENT).order_by("-created_at", "-id").values("comment")[:1]
    rated = Rating.objects.filter(application=OuterRef("pk"))
    unrated_decided = Q(status__in=(Status.COMPLETED, Status.REJECTED), decided_at__gte=since) & ~Exists(rated)
    return list(Application.objects.filter(applicant=user).filter(Q(status__in=(Status.SUPPLEMENT, Status.AWAITING_PAYMENT)) | unrated_decided)
                .select_related("item").annotate(asked=Subquery(asked)).order_by("due_at")[:limit])


def popular_items(*, limit: int = 4, days: int = 30) -> list[ServiceItem]:
    """The items applied for most in the last ``days``, topped up with high-frequency items: the
    home page's shortcuts. Cached for ten minutes per catalogue stamp."""
    from django.db.models import Count
    from django.utils import timezone

    key = f"catalogue:popular-list:{CATALOGUE.current()}:{days}:{limit}"
    codes = cache.get(key)
    if codes is None:
        since = timezone.now() - dt.timedelta(days=days)
        codes = list(Application.objects.filter(created_at__gte=since, item__is_active=True, item__online=True).values("item__code")
                     .annotate(n=Count("id")).order_by("-n", "item__code").values_list("item__code", flat=True)[:limit])
        codes += [code for code in catalogue().filter(high_frequency=True, online=True).values_list("code", flat=True)[:limit] if code not in codes]
        codes = codes[:limit]
        cache.set(key, codes, 600)
    found = {item.code: item for item in catalogue().filter(code__in=codes)}
    return [found[code] for code in codes if code in found]
UPLOAD_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def upload_download_name(upload: Upload) -> str:
    """"<material name>.<ext>": the material the file was attached as, else the name it was uploaded
    under; the extension from its checked content type."""
    from pathlib import PurePath

    attached = AttachedMaterial.objects.filter(upload=upload).select_related("material").order_by("-attached_at").first()
    stem = attached.material.name if attached else PurePath(upload.original_name or "").stem
    stem = "".join(c for c in stem if c not in '\\/:*?"<>|\r\n').strip() or str(_("材料"))
    return f"{stem}.{UPLOAD_EXTENSIONS.get(upload.content_type, 'bin')}"


# What an applicant already holds: pre-fill and 免证办 (read from the wallet, never written)


def holder_of(applicant: User, organisation: Organisation | None) -> tuple[str, str, str]:
    if organisation is not None:
        return HolderKind.ORGANISATION, organisation.credit_code, organisation.name
    return HolderKind.PERSON, applicant.id_number, applicant.name


def holder_key(applicant: User, organisation: Organisation | None) -> dict:
    """Who holds the credentials an application asks about, as ``credentials.selectors.valid_credentials``
    takes it: a person by their index (the signed-in user's ID number is not loaded, nor decrypted,
    for it), an organisation by its credit code."""
    if organisation is not None:
        return {"holder_kind": HolderKind.ORGANISATION, "holder_number": organisation.credit_code}
    return {"holder_kind": HolderKind.PERSON, "index": applicant.id_number_index}


def prefill(version: ItemVersion, applicant: User, organisation: Organisation | None = None) -> dict:
    """Values the state already holds: ``identity.name|id_number|phone`` or ``credential:<type>.<field>``."""
    kind, number, _name = holder_of(applicant, organisation)
    values = {}
    sources = [field.get("prefill", "") for field in version.form_schema]
    held = valid_credentials(holder_kind=kind, holder_number=number, type_codes={s[11:].partition(".")[0] for s in sources if s.startswith("credential:")})
    for field in version.form_schema:
        source = field.get("prefill", "")
        if source.startswith("identity."):
            values[field["key"]] = {"name": applicant.name, "id_number": applicant.id_number, "phone": applicant.phone or ""}.get(source[9:], "")
        elif source.startswith("credential:"):
            type_code, _dot, key = source[11:].partition(".")
            credential = held.get(type_code)
            if credential is not None:
                values[field["key"]] = credential.holder_number if key == "holder_number" else credential.fields.get(key, "")
    return {key: value for key, value in values.items() if value}


def held_materials(version: ItemVersion, applicant: User, organisation: Organisation | None = None) -> list[tuple[Material, Credential | None]]:
    """Each material with the valid credential that satisfies it, if the applicant holds one (免证办)."""
    prefetched = "materials" in getattr(version, "_prefetched_objects_cache", {})  # from selectors.item_for_applying
    materials = list(version.materials.all() if prefetched else version.materials.select_related("credential_type"))
    wanted = [m.credential_type.code for m in materials if m.kind == Material.Kind.CREDENTIAL and m.credential_type_id]
    held = valid_credentials(**holder_key(applicant, organisation), type_codes=wanted)
    return [(m, held.get(m.credential_type.code) if m.kind == Material.Kind.CREDENTIAL and m.credential_type_id else None) for m in materials]


# 秒批: which rule does not hold (read-only; services.services.approval acts on the answer)


def _compare(value, op: str, expected) -> bool:
    checks = {
        "eq": lambda: value == expected, "ne": lambda: value != expected, "in": lambda: value in (expected or []),
        "lte": lambda: float(value) <= float(expected), "gte": lambda: float(value) >= float(expected),
        "lt": lambda: float(value) < float(expected), "gt": lambda: float(value) > float(expected),
    }
    try:
        return bool(checks[op]())
    except (TypeError, ValueError, KeyError):
        return False


def failing_approval_rule(application: Application) -> str | None:
    """The name of the first 秒批 rule that does not hold, or None when all hold."""
    holder = holder_key(application.applicant, application.organisation)
    data = application.data
    for rule in application.version.approval_rules:
        if rule["kind"] == "credential_valid":
            holds = valid_credential(**holder, type_code=rule["type"]) is not None
        elif rule["kind"] == "field":
            holds = _compare(data.get(rule["field"]), rule.get("op", "eq"), rule.get("value"))
        elif rule["kind"] == "applicant_age":
            holds = _compare(people.age(application.applicant.id_number, timezone.localdate()), rule.get("op", "gte"), rule.get("value"))
        elif rule["kind"] == "all_materials_held":
            holds = all(credential is not None or not material.required for material, credential in held_materials(application.version,
                        application.applicant, application.organisation) if material.kind == Material.Kind.CREDENTIAL)
        else:
            holds = False
        if not holds:
            return rule["name"]
    return None


# 一件事: one form for a bundle's parts


def material_key(material: Material) -> str:
    """What makes two parts' materials the same one: the credential type, else the material's name."""
    if material.kind == Material.Kind.CREDENTIAL and material.credential_type_id:
        return f"credential:{material.credential_type.code}"
    return f"upload:{material.name}"


@dataclass
class BundleForm:
    fields: list[dict] = dataclasses.field(default_factory=list)  # form specs with bundle keys, each with "value" (pre-filled) and "parts"
    materials: list[dict] = dataclasses.field(default_factory=list)  # {key, name, kind, held, parts}
    questions_separately: int = 0
    materials_separately: int = 0
    window_visits_separately: int = 0  # items that cannot be done online: one trip each if applied for apart
    window_visits: int = 0  # one trip per department among those, when applied for together


def bundle_form(bundle: Bundle, applicant: User) -> BundleForm:
    """A bundle's one form: each question and each material once, pre-filled from the wallet."""
    form, fields, materials, parts = BundleForm(), {}, {}, bundle_parts(bundle)
    for part in parts:
        version = part.item.current_version
        values = prefill(version, applicant, None)
        for spec in version.form_schema:
            key = part.field_map.get(spec["key"], spec["key"])
            form.questions_separately += 1
            entry = fields.setdefault(key, {**localised(spec), "key": key, "value": values.get(spec["key"], ""), "parts": [], "part_names": []})
            entry["parts"].append(part.item.code)
            entry["part_names"].append(part.item.local_name)
            entry["value"] = entry["value"] or values.get(spec["key"], "")
        for material, credential in held_materials(version, applicant):
            form.materials_separately += 1
            entry = materials.setdefault(material_key(material), {"key": material_key(material), "name": material.name, "kind": material.kind,
                                                                  "required": material.required, "held": credential is not None, "parts": [],
                                                                  "part_names": []})
            entry["parts"].append(part.item.code)
            entry["part_names"].append(part.item.local_name)
    offline = [part for part in parts if not part.item.online]
    form.window_visits_separately, form.window_visits = len(offline), len({part.item.department_id for part in offline})
    form.fields, form.materials = list(fields.values()), list(materials.values())
    return form


def unsent_instant_approvals(*, older_than: dt.timedelta, limit: int = 1000) -> list[tuple[int, int]]:
    """(application id, "submitted" step id) of the 秒批 submissions whose task has not run ``older_than``
    after they were made: a submission sends its task after commit with no outbox row, and the task
    notifies the "submitted" step first — an unnotified one is owed its task (``services.tasks.resend_instant_approvals``).
    Read through the partial index of unnotified submissions (``Transition.Meta.indexes``)."""
    from services.models import Status, Transition

    return list(Transition.objects.filter(notified_at__isnull=True, from_status=Status.SUBMITTED, to_status=Status.SUBMITTED,
                                          created_at__lt=timezone.now() - older_than, application__status=Status.SUBMITTED)
                .exclude(application__version__approval_rules=[]).order_by("created_at").values_list("application_id", "pk")[:limit])
