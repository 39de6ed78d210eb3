"""The Django project: settings, root URLs, WSGI/ASGI, the Celery app and the portal shell."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
