"""好差评: the citizen rates a decided application; a bad rating opens a rectification case for the
department, with working-day deadlines (services.workdays); the citizen reads the reply and may rate
once more. Ratings are never edited or deleted (the model refuses); the re-rating is a new row."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import limits
from core.errors import Conflict, NotFound
from core.usecases import SystemActor, unchanged, use_case
from credentials.models import Verification
from family.permissions import may_act
from identity import masking
from identity.models import AuditEvent, User
from identity.notices import words
from identity.services import audit_record, notice_send
from services import permissions, workdays
from services.models import BAD_LEVELS, RATING_TAGS, Application, Rating, RatingLevel, Rectification, Status

RATEABLE = (Status.COMPLETED, Status.REJECTED)
CALLBACK_WORKING_DAYS = 1
RECTIFY_WORKING_DAYS = 15


def _clean(level, tags, comment: str) -> tuple[int, list[str], str]:
    errors = {}
    if level not in RatingLevel.values:
        errors["level"] = [_("Choose a level from 1 (very dissatisfied) to 5 (very satisfied).")]
    if not isinstance(tags, list) or any(tag not in RATING_TAGS for tag in tags):
        errors["tags"] = [_("Unknown tag.")]
    comment = (comment or "").strip()
    if len(comment) > limits.COMMENT:
        errors["comment"] = [_("At most %(limit)d characters (this has %(length)d).") % {"limit": limits.COMMENT, "length": len(comment)}]
    if errors:
        raise ValidationError(errors)
    return level, sorted(set(tags)), comment


def _by(actor: User, rating: Rating) -> str:
    """Who acted, as the rater reads it: themself, a family member rating for them (家庭代办), or staff."""
    if actor.pk == rating.rater_id:
        return ""
    if actor.department_id is None:
        return _("家人 %(name)s（代办）") % {"name": masking.shown("name", actor.name, viewer=masking.Viewer.DISPLAY)}
    return f"{actor.department} {masking.staff_name(actor)}"


def _may_rate_for(actor: User, person_id: int, application: Application) -> bool:
    """The person themself, or a guardian allowed to rate for them (``family.permissions``)."""
    return person_id == actor.pk or may_act(actor=actor, dependant=application.applicant, act="services.rate")


def _audit(rating: Rating, step: str, actor: User, **detail) -> None:
    audit_record(action=AuditEvent.Action.SERVICE_RATED if step in ("rated", "re-rated") else AuditEvent.Action.RECTIFICATION_STEP,
                 actor=actor, subject=rating.rater,
                 actor_description=_by(actor, rating),
                 detail={"application": rating.reference, "step": step, "level": rating.level, **detail})


def _where(rating: Rating) -> str:
    """The citizen's page for what was rated."""
    return f"/services/applications/{rating.application.number}/" if rating.application_id else "/wallet/checks/"


def _open_rectification(rating: Rating) -> Rectification:
    now = timezone.now()
    case = Rectification.objects.create(
        rating=rating, department=rating.department, created_at=now,
        callback_due=workdays.deadline(now, CALLBACK_WORKING_DAYS), rectify_due=workdays.deadline(now, RECTIFY_WORKING_DAYS))
    for reviewer in permissions.reviewers_of(rating.department_id):
        notice_send(user=reviewer, kind="bad_rating", title=words(gettext_lazy("A bad rating to call back: %(number)s"), number=rating.reference),
                    url="/services/rectifications/")
    return case


@use_case(audit=AuditEvent.Action.SERVICE_RATED)
def rating_submit(*, actor: User, application: Application, level: int, tags: list | None = None, comment: str = "") -> Rating:
    """Rate a completed or rejected application, once. A level of 不满意 or 非常不满意 opens a
    rectification case for the department. A guardian may rate for the applicant (家庭代办): the
    rating is the applicant's."""
    if not _may_rate_for(actor, application.applicant_id, application):
        raise NotFound()
    if application.status not in RATEABLE:
        raise Conflict(_("An application can be rated once it is decided."), code="not_decided")
    level, tags, comment = _clean(level, tags or [], comment)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                application=application, rater=application.applicant, item_id=application.item_id, department_id=application.department_id,
                channel=Rating.Channel.WINDOW if application.submitted_by_id else Rating.Channel.ONLINE, level=level, tags=tags, comment=comment)
    except IntegrityError:
        raise Conflict(_("This application has been rated already."), code="already_rated") from None
    _audit(rating, "rated", actor)
    if level in BAD_LEVELS:
        _open_rectification(rating)
    return rating


VISIT_RATING_DAYS = 7


@use_case(audit=AuditEvent.Action.SERVICE_RATED)
def visit_rate(*, actor: User, visit: Verification, level: int, tags: list | None = None, comment: str = "") -> Rating:
    """Rate a counter visit that made no application: a window clerk checked the citizen's 亮证 code.
    Within 7 days, once; a bad one opens a case for the hall's department like any other."""
    credential = visit.credential
    if credential is None or credential.holder_index != actor.id_number_index:
        raise NotFound()
    if visit.service_hall_id is None:
        raise Conflict(_("Only a visit to a service hall's window can be rated here."), code="not_a_counter_visit")
    if timezone.now() - visit.created_at > dt.timedelta(days=VISIT_RATING_DAYS):
        raise Conflict(_("A visit can be rated within 7 days."), code="rating_window_closed")
    level, tags, comment = _clean(level, tags or [], comment)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(visit=visit, rater=actor, department_id=visit.service_hall.department_id, channel=Rating.Channel.WINDOW,
                                           level=level, tags=tags, comment=comment)
    except IntegrityError:
        raise Conflict(_("This visit has been rated already."), code="already_rated") from None
    _audit(rating, "rated", actor)
    if level in BAD_LEVELS:
        _open_rectification(rating)
    return rating


@use_case(audit=AuditEvent.Action.SERVICE_RATED)
def rating_revise(*, actor: User, rating: Rating, level: int, tags: list | None = None, comment: str = "") -> Rating:
    """Rate again, once, after the department answered a bad rating. The first rating stays as it was."""
    if rating.revises_id is not None or (rating.rater_id != actor.pk and (rating.application_id is None
                                                                          or not _may_rate_for(actor, rating.rater_id, rating.application))):
        raise NotFound()
    case = Rectification.objects.filter(rating=rating).first()  # as it is now, not as the caller loaded it
    if case is None or case.status != Rectification.Status.RECTIFIED:
        raise Conflict(_("You may rate again once the department has answered."), code="not_rectified")
    if Rating.objects.filter(revises=rating).exists():
        raise Conflict(_("You have rated again already."), code="already_rated")
    level, tags, comment = _clean(level, tags or [], comment)
    try:
        with transaction.atomic():
            revision = Rating.objects.create(application=rating.application, visit_id=rating.visit_id, rater=rating.rater, item_id=rating.item_id,
                                             department_id=rating.department_id, channel=rating.channel, level=level, tags=tags, comment=comment,
                                             revises=rating)
    except IntegrityError:
        raise Conflict(_("You have rated again already."), code="already_rated") from None
    _audit(revision, "re-rated", actor, first_level=rating.level)
    return revision


def _case_for(reviewer: User, case: Rectification) -> Rectification:
    if not permissions.is_reviewer_of(reviewer, case.department_id):
        raise NotFound()
    return (Rectification.objects.select_for_update(no_key=True, of=("self",))
            .select_related("rating__application", "rating__rater", "rating__visit__service_hall").get(pk=case.pk))


@use_case(audit=AuditEvent.Action.RECTIFICATION_STEP)
def rectification_callback(*, actor: User, case: Rectification, note: str) -> Rectification:
    """The department called the citizen back: what they heard and agreed (required)."""
    case = _case_for(actor, case)
    if case.status != Rectification.Status.OPEN:
        raise Conflict(_("This case has been called back already."), code="wrong_state")
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say what the call-back found.")]})
    case.status, case.called_back_at, case.callback_note, case.handled_by = Rectification.Status.CALLED_BACK, timezone.now(), note.strip(), actor
    case.save(update_fields=["status", "called_back_at", "callback_note", "handled_by"])
    _audit(case.rating, "called_back", actor)
    return case


@use_case(audit=AuditEvent.Action.RECTIFICATION_STEP)
def rectification_reply(*, actor: User, case: Rectification, reply: str) -> Rectification:
    """The department says what it changed; the citizen reads it and may rate again."""
    case = _case_for(actor, case)
    if case.status != Rectification.Status.CALLED_BACK:
        raise Conflict(_("Call the citizen back first."), code="wrong_state")
    if not (reply or "").strip():
        raise ValidationError({"reply": [_("Say what was rectified.")]})
    case.status, case.rectified_at, case.reply, case.handled_by = Rectification.Status.RECTIFIED, timezone.now(), reply.strip(), actor
    case.save(update_fields=["status", "rectified_at", "reply", "handled_by"])
    _audit(case.rating, "rectified", actor)
    title = words(gettext_lazy("The department answered your rating of %(number)s"), number=case.rating.reference)
    notice_send(user=case.rating.rater, kind="rating_answered", title=title, url=_where(case.rating))
    return case


@use_case(audit=AuditEvent.Action.RECTIFICATION_STEP)
def rectifications_mark_overdue(*, actor: SystemActor) -> int:
    """Flag cases past their call-back or rectification deadline (beat, with the workflow's)."""
    now = timezone.now()
    late = list(Rectification.objects.select_for_update(skip_locked=True, no_key=True, of=("self",)).filter(overdue=False)
                .filter(_late(now)).select_related("rating__application", "rating__rater", "rating__visit__service_hall"))
    if not late:
        unchanged()
        return 0
    Rectification.objects.filter(pk__in=[case.pk for case in late]).update(overdue=True)
    for case in late:
        audit_record(action=AuditEvent.Action.RECTIFICATION_STEP, actor_description=_("System"), subject=case.rating.rater,
                     detail={"application": case.rating.reference, "step": "overdue"})
    return len(late)


def _late(now) -> Q:
    return (Q(status=Rectification.Status.OPEN, callback_due__lt=now)
            | Q(status__in=(Rectification.Status.OPEN, Rectification.Status.CALLED_BACK), rectify_due__lt=now))
