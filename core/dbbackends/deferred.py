"""A use case's transaction, begun at its first database statement (issue 25).

``transaction.atomic()`` entered when a use case starts asks the connection for its autocommit
state, which opens it (and runs its health check) even when the use case never writes to the
database — a checkpoint's pass check and a credential check write only to Redis. ``DeferredAtomic``
is that same ``atomic()``, entered later: the connection keeps it pending, and enters every pending
one (outermost first) the moment anything asks about the connection's transaction — a cursor
(every statement), ``atomic()`` inside the use case, ``get_autocommit()``, ``select_for_update``'s
check, ``in_atomic_block``. From then on it is Django's own atomic block: every statement inside
it, nested use cases savepoints within it, rollback on an exception, ``on_commit`` after commit.

``on_commit`` while still pending is held by the innermost pending use case: handed to Django when
its transaction begins; on success without one, handed to the enclosing use case (or run at once
when no transaction surrounds it: nothing was written that it could wait for); dropped on an
exception, as a rolled-back transaction drops it.
"""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger("django.db.backends.base")


class DeferredAtomicMixin:
    """Mixed into a backend's ``DatabaseWrapper``: holds pending use-case transactions."""

    def __init__(self, *args, **kwargs):
        self._deferred: list[DeferredAtomic] = []  # pending, outermost first
        self._beginning = False  # connecting or entering the pending blocks: ask nothing of them
        super().__init__(*args, **kwargs)

    def _begin_deferred(self) -> None:
        self._beginning = True
        try:
            while self._deferred:
                pending = self._deferred[0]
                pending.atomic.__enter__()
                pending.begun = True
                del self._deferred[0]
                for func, robust in pending.held:
                    super().on_commit(func, robust)  # now tied to this block's savepoint, as if registered inside it
                pending.held = []
        finally:
            self._beginning = False

    def _ask(self) -> None:
        if self._deferred and not self._beginning:
            self._begin_deferred()

    @property
    def in_atomic_block(self) -> bool:
        self._ask()
        return self._in_atomic_block

    @in_atomic_block.setter
    def in_atomic_block(self, value: bool) -> None:
        self._in_atomic_block = value

    @property
    def atomic_blocks(self) -> list:
        self._ask()  # a durable block's check reads this first: it must see the use case's block
        return self._atomic_blocks

    @atomic_blocks.setter
    def atomic_blocks(self, value: list) -> None:
        self._atomic_blocks = value

    def ensure_connection(self) -> None:
        if not self._deferred or self._beginning:
            return super().ensure_connection()
        self._beginning = True  # connect() resets the transaction state: begin after it, not inside it
        try:
            super().ensure_connection()
        finally:
            self._beginning = False
        self._begin_deferred()

    def on_commit(self, func, robust: bool = False) -> None:
        if not self._deferred or self._beginning:
            return super().on_commit(func, robust)
        if not callable(func):
            raise TypeError("on_commit()'s callback must be a callable.")
        self._deferred[-1].held.append((func, robust))

    def _hand_on(self, held: list) -> None:
        """Callbacks of a use case that finished without a transaction of its own."""
        if self._deferred:
            self._deferred[-1].held.extend(held)
            return
        for func, robust in held:
            if self.connection is not None:  # an open connection may be inside a caller's transaction
                super().on_commit(func, robust)
                continue
            try:  # no connection: no transaction to wait for, as Django runs it in autocommit
                func()
            except Exception as exc:
                if not robust:
                    raise
                logger.error(f"Error calling {func.__qualname__} in on_commit() (%s).", exc, exc_info=True)


class DeferredAtomic:
    """``transaction.atomic()`` on the default database, entered at the first statement inside it."""

    __slots__ = ("atomic", "begun", "connection", "held")

    def __enter__(self) -> DeferredAtomic:
        self.connection = connection = connections[DEFAULT_DB_ALIAS]  # the wrapper only: opens nothing
        self.atomic = transaction.atomic(using=DEFAULT_DB_ALIAS)
        self.held: list = []
        self.begun = False
        if isinstance(connection, DeferredAtomicMixin):
            connection._deferred.append(self)
        else:  # another backend: Django's atomic, entered now
            self.atomic.__enter__()
            self.begun = True
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> bool | None:
        if self.begun:
            return self.atomic.__exit__(exc_type, exc_value, traceback)
        connection = self.connection
        connection._deferred.remove(self)  # the innermost pending block: nothing began inside it
        if exc_type is None and self.held:
            connection._hand_on(self.held)
        return None
