"""The use-case contract. Every function that changes state is declared with ``@use_case``:

- keyword-only arguments, one of which names the acting user (or system actor);
- run inside ``transaction.atomic`` (nested use cases become savepoints), begun at the use case's first
  database statement (``core.dbbackends.deferred``): one that writes only to Redis opens no connection;
- at least one audit event written inside that transaction — the audit module calls ``note_audit``
  for each event it writes, and a use case that returns without one raises ``AuditMissing``, so a
  write without its record cannot commit. A use case that found nothing to change (an idempotent
  repeat) says so with ``unchanged()``;
- side effects (notices by SMS, tasks) are sent after commit through ``core.outbox``.

Functions in a write module that change nothing are marked ``@pure``. ``REGISTRY`` lists every use
case; a test walks every write module and fails for a public function that is neither.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from core.dbbackends.deferred import DeferredAtomic

ACTOR_PARAMETERS = ("actor",)  # one name for whoever acts, in every use case, annotated with its type


@runtime_checkable
class Actor(Protocol):
    """Whoever acts in a use case: a signed-in user, a registered API client, or ``SYSTEM``. Use cases
    annotate ``actor`` with the concrete type they accept (``User``, ``ApiClient``, ``SystemActor`` or
    a union); this protocol is what every one of them offers."""

    pk: object
    is_authenticated: bool

    def has_perm(self, perm: str) -> bool: ...


class AuditMissing(RuntimeError):
    """A use case tried to commit a change with no audit event: a programming error, never data."""


@dataclass(frozen=True)
class UseCase:
    name: str
    audit: tuple[str, ...]
    actor_parameter: str
    func: Callable


REGISTRY: dict[str, UseCase] = {}
_frames: contextvars.ContextVar[tuple[dict, ...]] = contextvars.ContextVar("use_case_frames", default=())


def note_audit(action: str) -> None:
    """Called by the audit writer for every event: counts for every use case running around it."""
    for frame in _frames.get():
        frame["audited"].append(action)


def before_finish(name: str, flush: Callable[[list], None]) -> list | None:
    """A list the innermost running use case keeps under ``name``; ``flush`` gets it once, inside the
    use case's transaction, just before the use case finishes (so many small writes become one).
    None outside a use case."""
    frames = _frames.get()
    if not frames or frames[-1]["closed"]:  # outside a use case, or one already flushing: the caller writes at once
        return None
    buffers = frames[-1]["buffers"]
    if name not in buffers:
        buffers[name] = ([], flush)
    return buffers[name][0]


def unchanged() -> None:
    """The running use case found nothing to change (an idempotent repeat): no audit is owed."""
    frames = _frames.get()
    if frames:
        frames[-1]["unchanged"] = True


def use_case(*, audit: str | tuple[str, ...]) -> Callable[[Callable], Callable]:
    """Declare a write use case and the audit action(s) it writes."""
    actions = (audit,) if isinstance(audit, str) else tuple(audit)

    def decorate(func: Callable) -> Callable:
        name = f"{func.__module__}.{func.__qualname__}"
        parameters = inspect.signature(func).parameters.values()
        positional = [p.name for p in parameters if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)]
        if positional:
            raise TypeError(f"use case {name}: arguments must be keyword-only, not {positional}")
        actor = next((p for p in parameters if p.name in ACTOR_PARAMETERS), None)
        if actor is None:
            raise TypeError(f"use case {name}: the acting user must be an argument named {' or '.join(ACTOR_PARAMETERS)}")
        if actor.annotation is inspect.Parameter.empty:
            raise TypeError(f"use case {name}: say who may act: annotate {actor.name} (User, ApiClient, SystemActor or a union)")
        actor = actor.name

        @functools.wraps(func)
        def run(**kwargs):
            frame = {"audited": [], "unchanged": False, "buffers": {}, "closed": False}
            token = _frames.set((*_frames.get(), frame))
            try:
                with DeferredAtomic():
                    result = func(**kwargs)
                    if not frame["audited"] and not frame["unchanged"]:
                        raise AuditMissing(f"{name} changed state without writing an audit event")
                    frame["closed"] = True  # what the flushes (or eager tasks they run) enqueue is written at once
                    for items, flush in frame["buffers"].values():
                        if items:
                            flush(list(items))
            finally:
                _frames.reset(token)
            return result

        run.use_case = REGISTRY[name] = UseCase(name=name, audit=actions, actor_parameter=actor, func=func)
        return run

    return decorate


def actor_offenders(prefixes: tuple[str, ...] = ("",)) -> list[str]:
    """Use cases (whose names start with one of ``prefixes``) that do not name their acting user
    ``actor`` or leave its type unannotated: ``"<use case>: <parameter>"``, for the contract's test."""
    offenders = []
    for name, case in sorted(REGISTRY.items()):
        if not name.startswith(prefixes):
            continue
        parameter = inspect.signature(case.func).parameters[case.actor_parameter]
        if case.actor_parameter != "actor" or parameter.annotation is inspect.Parameter.empty:
            offenders.append(f"{name}: {case.actor_parameter}{'' if parameter.annotation is inspect.Parameter.empty else ' (typed)'}")
    return offenders


def pure(func: Callable) -> Callable:
    """Marks a function in a write module that changes nothing (a check, a computation)."""
    func.pure = True
    return func


def step(func: Callable) -> Callable:
    """A write building block that runs only inside a use case, whose transaction and audit event it
    shares (a timeline step, a row upsert of an import). Called outside one, it refuses."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def run(*args, **kwargs):
        if not _frames.get():
            raise RuntimeError(f"{name} runs only inside a use case")
        return func(*args, **kwargs)

    run.step = True
    return run


def side_effect(func: Callable) -> Callable:
    """Delivers something to a person (an inbox notice, an SMS): the use case that caused it wrote the
    audit event; this runs in its transaction or in a task after its commit."""
    func.side_effect = True
    return func


class SystemActor:
    """The platform itself acting (秒批, the overdue sweep, imports from a system client)."""

    pk = None
    is_authenticated = False
    masked_name = "系统"

    def has_perm(self, perm: str) -> bool:
        return True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()
