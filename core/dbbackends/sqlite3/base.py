"""Django's SQLite backend (``make run``), its use cases' transactions begun at their first statement."""

from django.db.backends.sqlite3 import base

from core.dbbackends.deferred import DeferredAtomicMixin


class DatabaseWrapper(DeferredAtomicMixin, base.DatabaseWrapper):
    pass
