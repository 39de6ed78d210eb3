"""Reads of cases, each scoped to what the caller may see: a reporter their own (or an anonymous
report by its number and tracking code), a dispatcher every case, a department's handlers their
department's — anything else is ``NotFound``."""

from __future__ import annotations

from django.db.models import QuerySet

from appeals import permissions
from appeals.models import Case, CaseCategory, CaseEvent, Status
from appeals.tracking import digest as tracking_digest
from core.errors import NotFound
from identity import masking

_RELATED = ("category", "department", "suggested_category", "routing_rule", "reporter", "item")


def my_cases(user) -> QuerySet[Case]:
    return Case.objects.filter(reporter=user).select_related("category", "department").order_by("-created_at")


def case_of_reporter(user, number: str) -> Case:
    case = Case.objects.select_related(*_RELATED).filter(number=number, reporter=user).first() if user.is_authenticated else None
    if case is None:
        raise NotFound()
    return case


def case_tracked(number: str, code: str) -> Case:
    """An anonymous report, found by its number and the tracking code given when it was made."""
    case = Case.objects.select_related(*_RELATED).filter(number=number, tracking_digest=tracking_digest(code or "")).exclude(tracking_digest="").first()
    if case is None:
        raise NotFound()
    return case


def case_for_staff(user, number: str) -> Case:
    case = Case.objects.select_related(*_RELATED).filter(number=number).first()
    if case is None or not permissions.is_staff_of(user, case):
        raise NotFound()
    return case


def dispatch_queue(user) -> QuerySet[Case]:
    """New and returned cases, oldest first (dispatchers only)."""
    if not permissions.is_dispatcher(user):
        raise NotFound()
    return Case.objects.filter(status__in=(Status.NEW, Status.RETURNED)).select_related(*_RELATED).order_by("created_at")


def department_queue(user, *, status: str = "") -> QuerySet[Case]:
    """The handler's department's open cases, the most urgent deadline first (index on department,
    status, reply_due)."""
    if not (getattr(user, "is_authenticated", False) and user.department_id and user.has_perm(permissions.HANDLE)):
        raise NotFound()
    cases = Case.objects.filter(department_id=user.department_id).exclude(status__in=(Status.CLOSED, Status.RETURNED, Status.NEW))
    if status:
        cases = cases.filter(status=status)
    return cases.select_related(*_RELATED).order_by("reply_due", "created_at")


def public_timeline(case: Case) -> list[CaseEvent]:
    """What the citizen reads: each step with its public text only (internal notes never)."""
    return [event for event in case.timeline.all()]


def contact_for(user, case: Case) -> dict:
    """The reporter's contact as ``user`` may see it: dispatchers in full (they call back); a
    department in full unless the report is anonymous; the reporter themself in full."""
    if case.reporter_id and case.reporter_id == getattr(user, "pk", None):
        viewer = masking.Viewer.HOLDER
    elif permissions.is_dispatcher(user) or (permissions.is_handler_of(user, case.department_id) and not case.anonymous):
        viewer = masking.Viewer.REVIEWER
    else:
        viewer = masking.Viewer.AUDITOR
    return {"name": masking.shown("name", case.contact_name or "", viewer=viewer) if case.contact_name else "",
            "phone": masking.shown("phone", case.contact_phone or "", viewer=viewer) if case.contact_phone else ""}


def categories() -> QuerySet[CaseCategory]:
    return CaseCategory.objects.filter(is_active=True).select_related("parent", "default_department").order_by("parent_id", "name")


def department_by_code(code: str):
    from identity.models import Department

    department = Department.objects.filter(code=code).first() if code else None
    if department is None:
        raise NotFound(code="unknown_department")
    return department


def category_by_id(pk: int | None) -> CaseCategory | None:
    if pk is None:
        return None
    category = CaseCategory.objects.filter(pk=pk, is_active=True).first()
    if category is None:
        raise NotFound(code="unknown_category")
    return category


def links_for(user, *, item: str = "", application: str = ""):
    """The item (by code) and the application (the user's own, by number) a case refers to."""
    from services.models import Application, ServiceItem

    found_item = ServiceItem.objects.filter(code=item, is_active=True).first() if item else None
    if item and found_item is None:
        raise NotFound(code="unknown_item")
    found_application = None
    if application:
        found_application = Application.objects.filter(number=application, applicant_id=getattr(user, "pk", None)).first()
        if found_application is None:
            raise NotFound(code="unknown_application")
    return found_item, found_application


def rating_for_dispatcher(user, pk: int):
    from services.models import Rating

    rating = Rating.objects.select_related("rater", "item", "department", "application").filter(pk=pk).first() if permissions.is_dispatcher(user) else None
    if rating is None:
        raise NotFound()
    return rating
