"""Who may do what with applications: the one owner of "reviewer of this department" and of who
may see an application or a material. Services, selectors, views and the API all ask here."""

from __future__ import annotations

from django.db.models import QuerySet

from identity.masking import Viewer
from identity.models import User

REVIEW = "services.review_application"
SUBMIT_ON_BEHALF = "services.submit_on_behalf"


def is_reviewer_of(user, department_id: int | None) -> bool:
    """A reviewer posted to this department (staff of another department see nothing of it)."""
    return bool(
        department_id is not None and getattr(user, "is_authenticated", False) and user.department_id == department_id and user.has_perm(REVIEW)
    )


def may_see_application(user, application) -> bool:
    return application.applicant_id == user.pk or is_reviewer_of(user, application.department_id) or tracks_for_family(user, application)


def tracks_for_family(user, application) -> bool:
    """家庭代办: a guardian who may track the applicant's applications now (family.permissions decides)."""
    from family.permissions import may_act

    return bool(getattr(user, "is_authenticated", False)) and may_act(actor=user, dependant=application.applicant, act="services.track")


def reviewers_of(department_id: int) -> QuerySet[User]:
    return User.objects.filter(department=department_id, is_active=True, groups__permissions__codename="review_application").distinct()


def viewer_of(user, application) -> Viewer:
    """How the masking policy sees ``user`` looking at ``application``: its applicant, a reviewer of
    its department, the clerk who filed it at the counter — anyone else (or no one) as an auditor,
    so an unexpected caller sees everything masked."""
    if user is None:
        return Viewer.AUDITOR
    if application.applicant_id == user.pk:
        return Viewer.HOLDER
    if is_reviewer_of(user, application.department_id):
        return Viewer.REVIEWER
    if tracks_for_family(user, application):
        return Viewer.HOLDER  # the guardian acts in the dependant's place
    if application.submitted_by_id == user.pk:
        return Viewer.CLERK
    return Viewer.AUDITOR
