"""A task sent through ``core.taskmessages`` (Celery's message kept per task, issue 25) is the message
``apply_async`` writes, and a Celery worker runs it; what the kept message does not cover still goes
through ``apply_async``. (A Celery worker runs a 秒批 sent this way: tests/services/test_instant_approval_worker.py.)"""

import base64
import json

import pytest
from celery import current_app
from django.conf import settings
from django.core.cache import cache

from core import taskmessages
from core.outbox import _task

pytestmark = pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"), reason="the kept message is Redis's (kombu's Redis transport)")


@pytest.fixture
def no_eager_tasks(monkeypatch):
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)  # as in production: tasks go to the broker


@pytest.fixture
def broker():
    """The broker's Redis, with the interactive queue empty before and after."""
    client = cache.client.get_client()
    assert settings.CELERY_BROKER_URL == settings.CACHES["default"]["LOCATION"]
    client.delete("interactive")
    yield client
    client.delete("interactive")


def popped(broker) -> dict:
    return json.loads(broker.rpop("interactive"))


def without_ids(message: dict) -> dict:
    """A message with what differs per send (its id, in three places, and its delivery tag) named, not valued."""
    message = json.loads(json.dumps(message))
    message["headers"] |= {"id": "<id>", "root_id": "<id>"}
    message["properties"] |= {"correlation_id": "<id>", "delivery_tag": "<tag>"}
    return message


def test_the_kept_message_is_what_apply_async_writes(no_eager_tasks, broker):
    task = _task("services.instant_approval")
    task.apply_async(args=(41, 7), retry=False)
    taskmessages.send(task, (41, 7))
    taskmessages.send(task, (42, None))

    by_celery, kept, other = popped(broker), popped(broker), popped(broker)

    assert taskmessages.template(task, (1, 2)) is not None  # the kept message was used, not apply_async
    assert without_ids(kept) == without_ids(by_celery)
    assert kept["headers"]["id"] == kept["headers"]["root_id"] == kept["properties"]["correlation_id"] != by_celery["headers"]["id"]
    assert kept["properties"]["delivery_tag"] != by_celery["properties"]["delivery_tag"]
    assert other["headers"]["argsrepr"] == "(42, None)" and other["headers"]["id"] != kept["headers"]["id"]
    assert json.loads(base64.b64decode(other["body"])) == [[42, None], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]


def test_eager_tasks_and_sends_from_a_running_task_go_through_apply_async(no_eager_tasks, broker, monkeypatch):
    task = _task("services.instant_approval")
    monkeypatch.setattr(type(current_app._get_current_object()), "current_worker_task", property(lambda app: object()))
    assert taskmessages.template(task, (1, 2)) is None  # Celery sets the parent's ids itself
    monkeypatch.undo()
    monkeypatch.setitem(current_app.conf, "task_always_eager", True)
    assert taskmessages.template(task, (1, 2)) is None
