"""Cases arrive: from the app or portal (a citizen, or an anonymous visitor who gets a tracking
code), from a window clerk, from a 12345 import, or from a bad 好差评 escalated. Every channel goes
through ``receive``, the one place that

- finds a repeat: a 12345 ticket already imported (its external id) is the same case and creates
  nothing; the same person's same complaint (same phone, same kind, same words ignoring spaces and
  punctuation) while the first is still open joins that case as another source;
- stores the contact encrypted, with a blind index of the phone;
- routes: the first matching routing rule dispatches at once (the case records the rule); otherwise
  the case waits in the dispatcher's queue with a suggested category."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from appeals import routing, tracking
from appeals.actions import CASE_SUBMITTED, CASES_IMPORTED
from appeals.models import Case, CaseCategory, CaseEvent, CaseSource, Channel, Kind, Status, Urgency
from appeals.permissions import is_dispatcher, may_record
from appeals.services.workflow import case_dispatch
from appeals.transitions import OPEN
from core import limits, quotas, references
from core.errors import Forbidden, NotFound
from core.imports import row_import
from core.numbers import validate_phone
from core.usecases import SYSTEM, SystemActor, pure, step, unchanged, use_case
from identity import crypto
from identity.models import ApiClient, Department, User, phone_index
from identity.services import audit_record
from services.models import BAD_LEVELS, Application, Rating, ServiceItem

KIND_WORDS = {str(label): value for value, label in Kind.choices} | {value: value for value in Kind.values}
MAX_CANDIDATES = 5


@dataclass
class Intake:
    """What a person says, whatever the channel."""

    kind: str
    title: str
    text: str
    area: str = ""
    urgency: str = Urgency.NORMAL
    category: CaseCategory | None = None
    item: ServiceItem | None = None
    application: Application | None = None
    about_department: Department | None = None
    contact_name: str = ""
    contact_phone: str = ""
    anonymous: bool = False
    knowledge_candidates: list = field(default_factory=list)


@dataclass
class Received:
    case: Case
    created: bool
    tracking_code: str = ""  # given once, to an anonymous reporter


def _stored_words(label) -> str:
    """A label as the timeline stores it: the catalogue's own words, not the acting person's language."""
    with translation.override(None):
        return str(label)


@pure
def own_page(url: str) -> bool:
    """A link to one of our own pages (a path), never elsewhere nor ``javascript:`` — the only links a case keeps."""
    return url.startswith("/") and not url.startswith("//")


def _candidates(value) -> list[dict]:
    if not isinstance(value, list) or len(value) > MAX_CANDIDATES or any(
            not isinstance(entry, dict) or not isinstance(entry.get("title"), str) or not isinstance(entry.get("url"), str)
            or len(entry["title"]) > limits.NAME * 2 or len(entry["url"]) > 500 for entry in value):
        raise ValidationError({"knowledge_candidates": [_("At most 5 answers, each with a title and a link.")]})
    return [{"title": entry["title"], "url": entry["url"]} for entry in value if own_page(entry["url"])]  # a link elsewhere is dropped


@pure
def clean(intake: Intake) -> Intake:
    """The intake checked and trimmed (ValidationError naming each bad field)."""
    errors: dict[str, list] = {}
    intake.kind = KIND_WORDS.get(str(intake.kind).strip(), "")
    if not intake.kind:
        errors["kind"] = [_("Choose what kind of case this is.")]
    if intake.urgency not in Urgency.values:
        errors["urgency"] = [_("Unknown urgency.")]
    intake.title, intake.text, intake.area = (intake.title or "").strip(), (intake.text or "").strip(), (intake.area or "").strip()[:64]
    intake.contact_name = (intake.contact_name or "").strip()[: limits.NAME]
    if not intake.text:
        errors["text"] = [_("Say what happened or what you ask.")]
    elif len(intake.text) > limits.REASON:
        errors["text"] = [_("At most %(limit)d characters (this has %(length)d).") % {"limit": limits.REASON, "length": len(intake.text)}]
    intake.title = (intake.title or intake.text[:30])[: limits.NAME]
    if intake.contact_phone:
        try:
            intake.contact_phone = validate_phone(intake.contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    try:
        intake.knowledge_candidates = _candidates(intake.knowledge_candidates or [])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return intake


def _normalised(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()).lower()


def _duplicate_key(contact_index: str, intake: Intake) -> str:
    if not contact_index:
        return ""
    return crypto.blind_index(f"{contact_index}|{intake.kind}|{_normalised(intake.text)}", purpose="case-duplicate")


def _number(now: dt.datetime) -> str:
    return references.drawn("SQ", 8, timezone.localtime(now).date())


def _again(case: Case, channel: str, external_id: str, actor, now: dt.datetime) -> None:
    CaseSource.objects.create(case=case, channel=channel, external_id=external_id, received_at=now)
    CaseEvent.objects.create(case=case, action="again", from_status=case.status, to_status=case.status, actor=actor if isinstance(actor, User) else None,
                             actor_label=_stored_words(Channel(channel).label), created_at=now)
    audit_record(action=CASE_SUBMITTED, actor=actor if isinstance(actor, User) else None, subject=case.reporter,
                 actor_description=_stored_words(Channel(channel).label), detail={"case": case.number, "step": "again", "channel": channel})


def _create(intake: Intake, *, channel: str, external_id: str, reporter: User | None, recorded_by: User | None, actor,
            contact_index: str, duplicate_key: str, now: dt.datetime) -> tuple[Case, str]:
    code = tracking.new_code() if intake.anonymous else ""
    case = Case(
        kind=intake.kind, channel=channel, urgency=intake.urgency, title=intake.title, text=intake.text, area=intake.area,
        category=intake.category, item=intake.item, application=intake.application, about_department=intake.about_department,
        reporter=reporter, anonymous=intake.anonymous, contact_name=intake.contact_name or None, contact_phone=intake.contact_phone or None,
        contact_index=contact_index, duplicate_key=duplicate_key, tracking_digest=tracking.digest(code) if code else "",
        recorded_by=recorded_by, knowledge_candidates=intake.knowledge_candidates, created_at=now,
        suggested_category=None if intake.category else routing.suggest_category(f"{intake.title} {intake.text}"))
    references.insert_numbered(case, lambda: _number(now))
    CaseSource.objects.create(case=case, channel=channel, external_id=external_id, received_at=now)
    label = _stored_words(Channel(channel).label)
    CaseEvent.objects.create(case=case, action="submit", from_status="", to_status=Status.NEW, actor=actor if isinstance(actor, User) else None,
                             actor_label=label, created_at=now)
    audit_record(action=CASE_SUBMITTED, actor=actor if isinstance(actor, User) else None, subject=reporter, actor_description=label,
                 detail={"case": case.number, "step": "submit", "channel": channel})
    return case, code


@step
def receive(intake: Intake, *, channel: str, actor, reporter: User | None = None, recorded_by: User | None = None, external_id: str = "",
            received_at: dt.datetime | None = None) -> Received:
    """The one way in (see the module's docstring)."""
    intake = clean(intake)
    now = received_at or timezone.now()
    if external_id:
        source = CaseSource.objects.select_related("case").filter(channel=channel, external_id=external_id).first()
        if source is not None:
            return Received(case=source.case, created=False)
    phone = intake.contact_phone or (reporter.phone if reporter is not None and reporter.phone else "")
    contact_index = phone_index(phone) if phone else (crypto.blind_index(f"user:{reporter.pk}", purpose="case-contact") if reporter else "")
    duplicate_key = "" if intake.anonymous else _duplicate_key(contact_index, intake)
    if duplicate_key:
        existing = Case.objects.select_for_update(no_key=True, of=("self",)).filter(duplicate_key=duplicate_key, status__in=OPEN).first()
        if existing is not None:
            _again(existing, channel, external_id, actor, now)
            return Received(case=existing, created=False)
    case, code = _create(intake, channel=channel, external_id=external_id, reporter=reporter, recorded_by=recorded_by, actor=actor,
                         contact_index=contact_index, duplicate_key=duplicate_key, now=now)
    rule = routing.first_rule(case)
    if rule is not None:
        case = case_dispatch(actor=SYSTEM, case=case, department=rule.department, rule=rule)
    return Received(case=case, created=True, tracking_code=code)


@use_case(audit=CASE_SUBMITTED)
def case_submit(*, actor: User | None, intake: Intake, channel: str = Channel.APP) -> Received:
    """A citizen asks (app or portal). Signed in: the case is theirs (their phone the contact unless
    they give another). Anonymous (signed in or not): no account is linked; the contact is kept
    encrypted and a tracking code is given once."""
    if channel not in (Channel.APP, Channel.PORTAL):
        raise ValidationError({"channel": [_("Unknown channel.")]})
    signed_in = actor is not None and actor.is_authenticated
    if not signed_in and not intake.anonymous:
        raise Forbidden(_("Sign in, or report anonymously."), code="sign_in_or_anonymous")
    from core import context

    quotas.take("cases", actor.pk if signed_in else context.client_ip.get() or "unknown")
    reporter = actor if signed_in and not intake.anonymous else None
    if reporter is not None:
        intake.contact_name = intake.contact_name or reporter.name
        intake.contact_phone = intake.contact_phone or (reporter.phone or "")
    return receive(intake, channel=channel, actor=actor if signed_in else None, reporter=reporter)


@use_case(audit=CASE_SUBMITTED)
def case_record(*, actor: User, intake: Intake) -> Received:
    """A window clerk records what a walk-in citizen says (their phone finds their account, if any)."""
    if not may_record(actor):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    if not intake.contact_phone:
        raise ValidationError({"contact_phone": [_("Enter the citizen's phone number so they can be called back.")]})
    reporter = User.objects.filter(phone_index=phone_index(validate_phone(intake.contact_phone))).first() if not intake.anonymous else None
    return receive(intake, channel=Channel.WINDOW, actor=actor, reporter=reporter, recorded_by=actor)


@dataclass
class ImportReport:
    created: int = 0
    merged: int = 0
    already: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "merged": self.merged, "already": self.already, "errors": self.errors}


def _ticket(row: dict) -> tuple[Intake, str, dt.datetime | None]:
    external_id = str(row.get("external_id") or "").strip()
    if not external_id or len(external_id) > 64:
        raise ValidationError({"external_id": [_("Each ticket needs its 12345 number.")]})
    received = parse_datetime(str(row.get("received_at") or "")) if row.get("received_at") else None
    if received is not None and timezone.is_naive(received):
        received = timezone.make_aware(received)
    intake = Intake(kind=str(row.get("kind") or ""), title=str(row.get("title") or ""), text=str(row.get("text") or ""),
                    area=str(row.get("area") or ""), urgency=str(row.get("urgency") or Urgency.NORMAL),
                    contact_name=str(row.get("name") or ""), contact_phone=str(row.get("phone") or ""))
    return intake, external_id, received


@use_case(audit=CASES_IMPORTED)
def cases_import(*, actor: ApiClient | SystemActor | User, rows: Iterable[dict]) -> ImportReport:
    """12345 tickets (CSV or JSON rows: external_id, received_at, kind, title, text, area, phone, name,
    urgency). Idempotent by external id; a ticket repeating an open case joins it."""
    if isinstance(actor, User) and not is_dispatcher(actor):
        raise Forbidden(_("You may not do this."), code="permission_denied")
    report = ImportReport()

    def upsert(row: dict) -> bool:
        intake, external_id, received = _ticket(row)
        phone = validate_phone(intake.contact_phone) if intake.contact_phone else ""
        reporter = User.objects.filter(phone_index=phone_index(phone)).first() if phone else None
        before = CaseSource.objects.filter(channel=Channel.HOTLINE, external_id=external_id).exists()
        result = receive(intake, channel=Channel.HOTLINE, actor=actor, reporter=reporter, external_id=external_id, received_at=received)
        report.already += before
        report.merged += not before and not result.created
        return result.created

    rows_report = row_import(rows, upsert)
    report.created, report.errors = rows_report.created, rows_report.errors
    if report.created or report.merged:
        audit_record(action=CASES_IMPORTED, actor_description=str(getattr(actor, "name", actor)),
                     detail={"created": report.created, "merged": report.merged, "already": report.already, "rejected": len(report.errors)})
    else:
        unchanged()
    return report


@use_case(audit=CASE_SUBMITTED)
def rating_escalate(*, actor: User | SystemActor, rating: Rating) -> Received:
    """A bad 好差评 becomes a complaint about the rated department (once per rating): a dispatcher
    escalates one, and the sweep escalates a rating whose rectification is overdue."""
    if isinstance(actor, User) and not is_dispatcher(actor):
        raise NotFound()
    if rating.level not in BAD_LEVELS:
        raise ValidationError({"rating": [_("Only a bad rating is escalated.")]})
    existing = Case.objects.filter(rating=rating).first()
    if existing is not None:
        unchanged()
        return Received(case=existing, created=False)
    subject = rating.subject_label
    text = _("好差评转办：%(subject)s，评价“%(level)s”。%(comment)s") % {"subject": subject, "level": rating.get_level_display(),
                                                                 "comment": rating.comment}
    intake = Intake(kind=Kind.COMPLAINT, title=_("差评：%(subject)s") % {"subject": subject}, text=text, item=rating.item,
                    application=rating.application, about_department=rating.department, contact_name=rating.rater.name)
    received = receive(intake, channel=Channel.RATING, actor=actor, reporter=rating.rater, external_id=f"rating-{rating.pk}")
    Case.objects.filter(pk=received.case.pk, rating__isnull=True).update(rating=rating)
    received.case.rating = rating
    return received

