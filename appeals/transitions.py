"""The one transition table of a case: for each action, the states it may start from, the state it
leads to, and who may take it. ``appeals.services.workflow.apply`` is the one function that applies
it; each action is a use case there. Pages and the API ask ``allowed_actions`` what to offer.

    action         from                              to            who
    dispatch       new, returned                     dispatched    dispatcher (or a routing rule)
    accept 签收    dispatched                        in_progress   department
    return 退单    dispatched (within its window)    returned      department
    keep 维持派单  returned                          in_progress   dispatcher (the return is refused)
    suspend        in_progress                       suspended     department
    resume         suspended                         in_progress   department
    extend 延期    in_progress (once)                in_progress   department
    reply 答复     in_progress, supervised           replied       department
    close 办结     replied                           closed        reporter or dispatcher (a happy 回访)
    reopen 重办    replied (once)                    in_progress   reporter or dispatcher (an unhappy 回访)
    supervise 督办 dispatched, in_progress, replied  supervised    dispatcher or the sweep (red card, a 2nd unhappy 回访)
    discard        new                               closed        dispatcher (no case to handle: spam, duplicate)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from appeals import permissions
from appeals.models import Status
from core.usecases import SystemActor

DISPATCHER, DEPARTMENT, CALLBACK = "dispatcher", "department", "callback"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    who: str
    label: Promise


def _t(action: str, sources: tuple[str, ...], target: str, who: str, label: Promise) -> tuple[str, Transition]:
    return action, Transition(action, frozenset(sources), target, who, label)


TABLE: dict[str, Transition] = dict([
    _t("dispatch", (Status.NEW, Status.RETURNED), Status.DISPATCHED, DISPATCHER, _("派单")),
    _t("accept", (Status.DISPATCHED,), Status.IN_PROGRESS, DEPARTMENT, _("签收")),
    _t("return", (Status.DISPATCHED,), Status.RETURNED, DEPARTMENT, _("退单")),
    _t("keep", (Status.RETURNED,), Status.IN_PROGRESS, DISPATCHER, _("维持派单")),
    _t("suspend", (Status.IN_PROGRESS,), Status.SUSPENDED, DEPARTMENT, _("挂起")),
    _t("resume", (Status.SUSPENDED,), Status.IN_PROGRESS, DEPARTMENT, _("恢复办理")),
    _t("extend", (Status.IN_PROGRESS,), Status.IN_PROGRESS, DEPARTMENT, _("延期")),
    _t("reply", (Status.IN_PROGRESS, Status.SUPERVISED), Status.REPLIED, DEPARTMENT, _("答复")),
    _t("close", (Status.REPLIED,), Status.CLOSED, CALLBACK, _("回访办结")),
    _t("reopen", (Status.REPLIED,), Status.IN_PROGRESS, CALLBACK, _("重办")),
    _t("supervise", (Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED), Status.SUPERVISED, DISPATCHER, _("督办")),
    _t("discard", (Status.NEW,), Status.CLOSED, DISPATCHER, _("不予受理")),
])
OPEN = (Status.NEW, Status.DISPATCHED, Status.RETURNED, Status.IN_PROGRESS, Status.SUSPENDED, Status.REPLIED, Status.SUPERVISED)
RUNNING = (Status.DISPATCHED, Status.IN_PROGRESS, Status.SUPERVISED)  # the reply clock runs (the sweep looks at these)
LABELS = {action: transition.label for action, transition in TABLE.items()} | {"submit": _("提交诉求"), "again": _("再次反映"),
                                                                             "card": _("督办牌"), "anonymise": _("匿名化")}


def may_take(user, case, transition: Transition) -> bool:
    """Whether ``user`` holds the role the transition needs on this case (the system may take any)."""
    if isinstance(user, SystemActor):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if transition.who == DISPATCHER:
        return permissions.is_dispatcher(user)
    if transition.who == DEPARTMENT:
        return permissions.is_handler_of(user, case.department_id)
    return permissions.is_dispatcher(user) or (case.reporter_id is not None and case.reporter_id == user.pk)


CALLBACK_ACTIONS = ("close", "reopen")  # a 回访 picks one of these itself


def may_call_back(user, case) -> bool:
    """Whether ``user`` may answer the 回访 of ``case`` now (its reporter, or a dispatcher by phone)."""
    close = TABLE["close"]
    return case.status in close.sources and may_take(user, case, close)


def allowed_actions(user, case) -> list[str]:
    """The actions ``user`` may take on ``case`` now (what pages and the API offer)."""
    return [action for action, transition in TABLE.items() if case.status in transition.sources and may_take(user, case, transition)
            and action not in CALLBACK_ACTIONS]
