"""The Celery app. Workers: `celery -A portal worker`; beat: `celery -A portal beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("qilu")
# The default for every thread too: Celery's current app is thread-local, and a thread that never set
# one (a thread pool in the web process, a test's threads) would otherwise get a bare fallback app
# on which the outbox cannot find our tasks by name.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
