"""Django's PostgreSQL backend, its use cases' transactions begun at their first statement."""

from django.db.backends.postgresql import base

from core.dbbackends.deferred import DeferredAtomicMixin


class DatabaseWrapper(DeferredAtomicMixin, base.DatabaseWrapper):
    pass
