"""Celery queues per workload: every task the code defines is routed to one of them, and the bulk
recomputation never shares a queue with 秒批 approvals or notices."""

from importlib import import_module
from importlib.util import find_spec

from celery import current_app
from django.conf import settings

from core.packages import our_apps

for _app in our_apps():  # register every task, whichever test ran before (or none)
    if find_spec(f"{_app}.tasks"):
        import_module(f"{_app}.tasks")


def _queue(name: str) -> str:
    return current_app.amqp.router.route({}, name, (), {})["queue"].name


def test_each_task_goes_to_its_workloads_queue():
    ours = [name for name in current_app.tasks if name.split(".")[0] in our_apps()]
    assert ours, "no tasks registered"
    queues = {name: _queue(name) for name in ours}
    assert set(queues.values()) <= set(settings.CELERY_TASK_QUEUES_BY_WORKLOAD)
    assert queues["services.instant_approval"] == "interactive" and queues["healthcode.recompute"] == "bulk"
    assert queues["services.send_transition_notice"] == "notify"
    listed = {task for tasks in settings.CELERY_TASK_QUEUES_BY_WORKLOAD.values() for task in tasks}
    assert listed <= set(current_app.tasks), listed - set(current_app.tasks)  # no route for a task that does not exist
