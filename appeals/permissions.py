"""Who may do what with cases: the dispatcher (12345 派单员) sees every case and routes it; a
department's handlers see their department's cases only (anyone else's answer 404); the reporter
sees their own; a window clerk records cases for walk-in citizens."""

from __future__ import annotations

from django.db.models import QuerySet

from identity.models import User

DISPATCH = "appeals.dispatch_case"
HANDLE = "appeals.handle_case"
RECORD = "appeals.record_case"


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_dispatcher(user) -> bool:
    return _signed_in(user) and user.has_perm(DISPATCH)


def is_handler_of(user, department_id: int | None) -> bool:
    return bool(department_id is not None and _signed_in(user) and user.department_id == department_id and user.has_perm(HANDLE))


def is_staff_of(user, case) -> bool:
    """Staff who may see the case's reporter data: any dispatcher, or a handler of its department."""
    return is_dispatcher(user) or is_handler_of(user, case.department_id)


def may_see(user, case) -> bool:
    return (case.reporter_id is not None and _signed_in(user) and case.reporter_id == user.pk) or is_staff_of(user, case)


def may_draft_article(user, case) -> bool:
    """A good reply to a 咨询 may become a draft article, by staff who write articles (12345's dispatchers)."""
    return case.kind == "consult" and bool(case.reply_public) and _signed_in(user) and user.has_perm("knowledge.add_article")


def may_record(user) -> bool:
    return _signed_in(user) and user.has_perm(RECORD)


def handlers_of(department_id: int) -> QuerySet[User]:
    return User.objects.filter(department=department_id, is_active=True, groups__permissions__codename="handle_case").distinct()


def dispatchers() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__permissions__codename="dispatch_case").distinct()
