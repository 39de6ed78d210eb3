"""A Celery worker runs the 秒批 task a submission sends after commit through the message kept per task
(``core.taskmessages``, issue 25): the wire format is Celery's, end to end."""

import time

import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache

from services.models import Application
from tests.services.test_lifecycle import form_for

pytestmark = pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"), reason="a worker needs the Redis broker")


@pytest.fixture
def no_eager_tasks(monkeypatch):
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)  # as in production: the 秒批 runs in a worker


@pytest.fixture
def broker():
    client = cache.client.get_client()
    client.delete("interactive")
    yield client
    client.delete("interactive")


@pytest.mark.django_db(transaction=True)
@pytest.mark.real_on_commit
def test_a_celery_worker_runs_the_kept_message(holder_api, no_eager_tasks, broker):
    data = form_for(holder_api, "JT-001", seats="5")
    number = holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json").json()["number"]
    assert broker.llen("interactive") == 1  # the 秒批 task, sent after commit through the kept message
    assert Application.objects.get(number=number).status == "submitted"

    with start_worker(current_app, pool="solo", perform_ping_check=False, queues=["interactive"], shutdown_timeout=10):
        deadline = time.monotonic() + 20
        while Application.objects.get(number=number).status != "completed" and time.monotonic() < deadline:
            time.sleep(0.1)

    application = Application.objects.get(number=number)
    assert application.status == "completed"
    assert application.timeline.order_by("id").first().notified_at is not None  # the "submitted" notice, sent first by the task
