"""A 秒批 submission keeps no outbox row (issue 25): its "submitted" step stays unnotified until its task
runs, and the beat sweep ``services.resend_instant_approvals`` sends the task again for one a minute old
— the broker down at the commit, or the process gone before it sent. Nothing else is sent again."""

import datetime as dt

from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from core import taskmessages
from core.models import QueuedTask
from services.models import Application, Transition
from services.tasks import resend_instant_approvals
from tests.services.test_lifecycle import apply


def aged(number: str, seconds: int = 90) -> None:
    Transition.objects.filter(application__number=number).update(created_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_send_lost_at_the_commit_is_sent_again_by_the_sweep(holder_api, monkeypatch):
    def broker_down(task, args):
        raise RedisConnectionError("refused")

    monkeypatch.setattr(taskmessages, "send", broker_down)
    body = apply(holder_api, "JT-001", seats="5").json()
    monkeypatch.undo()
    assert body["status"] == "submitted" and not QueuedTask.objects.exists()
    application = Application.objects.get(number=body["number"])
    assert application.timeline.get().notified_at is None  # the task owed

    assert resend_instant_approvals() == 0  # not yet a minute old: its send may still be on its way
    aged(body["number"])
    assert resend_instant_approvals() == 1  # sent (here run at once: tests run tasks eagerly)

    application.refresh_from_db()
    assert application.status == "completed"
    assert application.timeline.order_by("id").first().notified_at is not None
    assert resend_instant_approvals() == 0  # done: nothing owed


def test_the_sweep_leaves_staff_reviewed_and_notified_submissions_alone(holder_api):
    answer = apply(holder_api, "RS-006")  # no 秒批 rules: staff review it
    assert answer.status_code == 201
    reviewed = answer.json()["number"]
    instant = apply(holder_api, "JT-001", seats="5").json()["number"]  # its task ran (eagerly): notified, completed
    Transition.objects.filter(application__number=reviewed).update(notified_at=None)  # as if its notice were still on its way
    aged(reviewed)
    aged(instant)

    assert resend_instant_approvals() == 0
    assert Application.objects.get(number=reviewed).status == "submitted"
