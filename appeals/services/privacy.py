"""A reporter's data: staff's every look at it is audited (the reporter reads it in "who used my data"),
and after the retention period a closed case keeps its statistics but loses the person — contact,
link to the account, and the free text that may name them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appeals import permissions
from appeals.actions import CASE_VIEWED, CASES_ANONYMISED
from appeals.models import Case, CaseEvent, Status
from core.errors import NotFound
from core.usecases import SystemActor, pure, unchanged, use_case
from identity import masking
from identity.models import User
from identity.services import audit_record

DEFAULT_RETENTION_DAYS = 3 * 365


@use_case(audit=CASE_VIEWED)
def case_open(*, actor: User, case: Case) -> Case:
    """Someone opens a case with its reporter's data. The reporter's own look is not recorded; staff's
    is (other departments get 404)."""
    if not permissions.may_see(actor, case):
        raise NotFound()
    if case.reporter_id == actor.pk:
        unchanged()
        return case
    audit_record(action=CASE_VIEWED, actor=actor, subject=case.reporter, actor_description=f"{actor.department or ''} {masking.staff_name(actor)}".strip(),
                 detail={"case": case.number}, purpose=gettext_noop("办理诉求"))
    return case


@pure
def retention_days() -> int:
    return int(getattr(settings, "QILU_CASE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@use_case(audit=CASES_ANONYMISED)
def cases_anonymise(*, actor: SystemActor | User, today: dt.date | None = None) -> int:
    """Closed cases older than the retention period lose their person; kind, channel, category,
    department, dates, deadlines, cards and 回访 answers stay, so the scores do not change."""
    now = timezone.now() if today is None else timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    due = Case.objects.filter(status=Status.CLOSED, anonymised_at__isnull=True, closed_at__lt=now - dt.timedelta(days=retention_days()))
    ids = list(due.values_list("pk", flat=True)[:5000])
    if not ids:
        unchanged()
        return 0
    Case.objects.filter(pk__in=ids).update(reporter=None, contact_name=None, contact_phone=None, contact_index="", duplicate_key="",
                                           tracking_digest="", title=_("（已匿名化）"), text=_("（已匿名化）"), reply_public="",
                                           reply_internal="", knowledge_candidates=[], anonymised_at=now)
    CaseEvent.objects.filter(case_id__in=ids).update(public_text="", internal_note="", actor=None)
    audit_record(action=CASES_ANONYMISED, actor=actor if isinstance(actor, User) else None, actor_description=_("系统"), detail={"cases": len(ids)})
    return len(ids)
