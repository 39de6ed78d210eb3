"""Sending a task without building Celery's message on every send (issue 25).

``apply_async`` builds the same message for every send of a task — its routing, its headers, a
producer taken from the pool and given back, a Redis client made for the one publish (kombu's Redis
transport) — about 0.4 CPU ms, the largest part of a 秒批 submission's after-commit work. Here Celery
builds the message once per task and process (``apply_async`` itself, into a producer that keeps what it
is given instead of publishing it); a send fills in only what changes — the task id (also the root id
and the correlation id), the arguments and their repr, the reply-to of the sending thread and the
delivery tag — and pushes the JSON kombu's Redis transport would push with one LPUSH, on a Redis client
held on kombu's own connection pool (the broker's URL, Sentinel, key prefix and timeouts as kombu has them).

The wire format is Celery's: ``tests/core/test_task_messages.py`` compares a message sent here with one
``apply_async`` wrote, field by field, and has a Celery worker run one. Whatever this does not cover goes
through ``apply_async`` unchanged: eager tasks (development, tests), another broker than Redis, a send
from inside a running task (Celery then sets its parent and root ids), a routed exchange, priorities,
an ETA or expiry, keyword arguments.
"""

from __future__ import annotations

import base64
import os
import threading
import uuid

from celery import current_app
from celery.utils.saferepr import saferepr
from kombu.utils.json import dumps

TEMPLATE_ID = "00000000-0000-4000-8000-000000000000"  # the id the template is built with, replaced per send


class _Recorder:
    """A producer for ``apply_async`` that keeps the message it is asked to publish (on ``connection``,
    the broker's: Celery wraps the publish in its error translation)."""

    def __init__(self, connection):
        self.connection = connection
        self.published: tuple | None = None

    def publish(self, body, **options):
        self.published = (body, options)


class Template:
    """One task's message as kombu's Redis transport stores it, less what each send fills in."""

    def __init__(self, task, client, queue: str, args: tuple):
        """Built by ``apply_async`` for the first send's ``args`` (the task checks their number), which
        each send replaces."""
        self.task, self.client, self.queue = task, client, queue
        recorder = _Recorder(_process["connection"])
        task.apply_async(args=args, producer=recorder, task_id=TEMPLATE_ID, retry=False)
        body, options = recorder.published
        headers = options.pop("headers")
        self.usable = (
            options.get("exchange") == "" and options.get("routing_key") == queue and not options.get("priority")
            and options.get("serializer") == "json" and not options.get("compression")
            and headers.get("eta") is None and headers.get("expires") is None and not headers.get("parent_id")
            and headers.get("id") == headers.get("root_id") == options.get("correlation_id") == TEMPLATE_ID
            and body[1] == {} and options.get("reply_to") == current_app.thread_oid
        )
        self.headers = headers
        self.embed = body[2]
        self.properties = {  # kombu's Producer.publish and the virtual channel's prepare_message, in their order
            "correlation_id": TEMPLATE_ID, "reply_to": "", "delivery_mode": options["delivery_mode"],
            "delivery_info": {"exchange": "", "routing_key": queue}, "priority": 0, "body_encoding": "base64", "delivery_tag": "",
        }
        app = current_app
        self.repr_size, self.repr_levels = app.amqp.argsrepr_maxsize, app.conf.task_repr_maxlevels

    def message(self, args: tuple) -> str:
        task_id = str(uuid.uuid4())
        body = base64.b64encode(dumps((args, {}, self.embed)).encode()).decode()
        headers = {**self.headers, "id": task_id, "root_id": task_id, "argsrepr": saferepr(args, self.repr_size, maxlevels=self.repr_levels)}
        properties = {**self.properties, "correlation_id": task_id, "reply_to": current_app.thread_oid, "delivery_tag": str(uuid.uuid4()),
                      "delivery_info": dict(self.properties["delivery_info"])}
        return dumps({"body": body, "content-encoding": "utf-8", "content-type": "application/json", "headers": headers, "properties": properties})

    def send(self, args: tuple) -> None:
        self.client.lpush(self.queue, self.message(args))


_process: dict = {"pid": None, "client": None, "templates": {}}
_lock = threading.Lock()


def _client():
    """A Redis client on kombu's connection pool for the broker (made once per process: a forked worker makes its own)."""
    if _process["pid"] != os.getpid():
        with _lock:
            if _process["pid"] != os.getpid():
                connection = current_app.connection_for_write()
                client = None
                if connection.transport.driver_type == "redis":
                    with connection.default_channel.conn_or_acquire() as client:
                        pass
                _process.update(pid=os.getpid(), client=client, templates={}, connection=connection)
    return _process["client"]


def template(task, args: tuple) -> Template | None:
    """The task's kept message, or None when this send must go through ``apply_async``."""
    app = current_app
    if app.conf.task_always_eager or app.current_worker_task is not None:
        return None
    client = _client()
    if client is None:
        return None
    templates = _process["templates"]
    kept = templates.get(task.name)
    if kept is None:
        queue = app.amqp.router.route({}, task.name, (), {}, task).get("queue")
        kept = templates[task.name] = Template(task, client, queue.name, args) if queue is not None else False
    return kept if kept and kept.usable else None


def send(task, args: tuple) -> None:
    """Send ``task(*args)`` as ``task.apply_async(args=args, retry=False)`` would."""
    kept = template(task, args)
    if kept is None:
        task.apply_async(args=args, retry=False)
    else:
        kept.send(args)
