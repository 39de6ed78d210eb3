"""The use-case contract holds by structure: every public function of every write module is a
declared use case (atomic, actor passed in, audit written in its transaction), a step that refuses
to run outside one, a side effect, or pure — and the contract itself refuses a write with no audit."""

import importlib
import inspect
import pkgutil

import pytest
from django.db import connection

import services.services
from core.packages import our_apps
from core.usecases import REGISTRY, AuditMissing, actor_offenders, step, unchanged, use_case
from identity.actions import vocabulary
from identity.models import AuditEvent, Notice, User
from tests import summaries

MARKERS = ("use_case", "step", "side_effect", "pure", "audit_writer")
# The write modules named by hand before the list was derived: the derivation may grow, never shrink.
WRITE_MODULES_FLOOR = {"identity.services", "credentials.services", "credentials.seals", "credentials.openid.oid4vci",
                       "credentials.openid.oid4vp", "credentials.openid.slots", "healthcode.services", "payments.services",
                       *(f"services.services.{module.name}" for module in pkgutil.iter_modules(services.services.__path__))}
_SKIPPED_PARTS = {"migrations", "tests", "commands", "demo"}


def _skipped(name: str) -> bool:
    return any(part in _SKIPPED_PARTS or part.startswith("demo_") for part in name.split("."))


def _write_modules() -> list[str]:
    """Every module of our apps (``core.packages.our_apps``) that defines, in its own namespace, a function
    declared a use case, step, side effect or pure."""
    found = []
    for app in our_apps():
        package = importlib.import_module(app)
        names = [app, *(info.name for info in pkgutil.walk_packages(package.__path__, f"{app}.", onerror=lambda _: None))]
        for name in names:
            if _skipped(name):
                continue
            module = importlib.import_module(name)
            if any(inspect.isfunction(value) and value.__module__ == name
                   and any(getattr(value, marker, False) for marker in MARKERS[:4])
                   for value in vars(module).values()):
                found.append(name)
    return found


WRITE_MODULES = _write_modules()


def test_the_derived_write_modules_include_every_module_once_named_by_hand():
    assert WRITE_MODULES_FLOOR <= set(WRITE_MODULES), WRITE_MODULES_FLOOR - set(WRITE_MODULES)


def _public_functions():
    for name in WRITE_MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if inspect.isfunction(value) and not attr.startswith("_") and value.__module__ == name:
                yield f"{name}.{attr}", value


def test_every_public_function_of_a_write_module_declares_what_it_is(request):
    undeclared = [
        name for name, func in _public_functions()
        if not any(getattr(func, marker, False) for marker in MARKERS)
    ]
    assert undeclared == []
    use_cases = [name for name, func in _public_functions() if getattr(func, "use_case", None)]
    summaries.record(request.config, "use_cases", (len(use_cases), len(WRITE_MODULES)))  # reported at the end of the run
    assert len(use_cases) >= 30


def test_each_use_case_is_keyword_only_names_its_actor_and_an_audit_action_that_exists():
    actions = set(vocabulary())
    for name, case in REGISTRY.items():
        parameters = inspect.signature(case.func).parameters.values()
        assert all(p.kind == p.KEYWORD_ONLY for p in parameters), name
        assert case.actor_parameter in {p.name for p in parameters}, name
        assert case.audit and set(case.audit) <= actions, name


def _product_actor_offenders(prefixes: tuple[str, ...] = ("",)) -> list[str]:
    for name in WRITE_MODULES:  # every use case registered, whatever this run imported before
        importlib.import_module(name)
    return [offender for offender in actor_offenders(prefixes) if not offender.startswith("tests.")]


def test_every_use_case_names_its_actor_actor_and_types_it():
    assert _product_actor_offenders() == []


@pytest.mark.django_db
def test_a_write_without_an_audit_event_is_rolled_back_and_refused(citizen):
    @use_case(audit=AuditEvent.Action.NOTICES_READ)
    def careless_write(*, actor: User):
        Notice.objects.create(user=actor, kind="x", title="written without an audit event")

    with pytest.raises(AuditMissing):
        careless_write(actor=citizen)
    assert not Notice.objects.filter(title="written without an audit event").exists()


@pytest.mark.django_db
def test_a_use_case_runs_in_one_transaction_with_its_audit(citizen):
    seen = {}

    @use_case(audit=AuditEvent.Action.NOTICES_READ)
    def careful_write(*, actor: User):
        from identity.services import audit_record

        seen["atomic"] = connection.in_atomic_block
        audit_record(action=AuditEvent.Action.NOTICES_READ, actor=actor, subject=actor)
        raise ValueError("fails after its audit")

    with pytest.raises(ValueError):
        careful_write(actor=citizen)
    assert seen["atomic"]
    assert not AuditEvent.objects.filter(action="notices_read", actor=citizen).exists()  # rolled back with the write


@pytest.mark.django_db
def test_an_idempotent_repeat_owes_no_audit(citizen):
    @use_case(audit=AuditEvent.Action.NOTICES_READ)
    def repeat(*, actor: User):
        unchanged()
        return "same"

    assert repeat(actor=citizen) == "same"


def test_positional_arguments_and_missing_actors_are_refused_when_declared():
    with pytest.raises(TypeError, match="keyword-only"):
        use_case(audit="x")(lambda actor: None)
    with pytest.raises(TypeError, match="acting user"):
        use_case(audit="x")(lambda *, thing: None)
    with pytest.raises(TypeError, match="acting user"):
        use_case(audit="x")(lambda *, user: None)  # one name for whoever acts

    def untyped(*, actor):
        return None

    with pytest.raises(TypeError, match="annotate actor"):
        use_case(audit="x")(untyped)


def test_a_step_refuses_to_run_outside_a_use_case():
    @step
    def building_block():
        return 1

    with pytest.raises(RuntimeError, match="inside a use case"):
        building_block()


@pytest.mark.django_db
def test_use_cases_check_permission_themselves_not_only_their_views(citizen):
    """Called directly (a task, a command, a new view that forgot its decorator), a use case still
    refuses someone without the right — and nothing is written."""
    from core.errors import Forbidden
    from credentials.services import presentation_verify
    from healthcode.services import pass_check, venue_register

    before = AuditEvent.objects.count()
    for call in (lambda: presentation_verify(actor=citizen, token="x"), lambda: pass_check(actor=citizen, token="x"),
                 lambda: venue_register(actor=citizen, name="x", area_code="370102", address="x")):
        with pytest.raises(Forbidden):
            call()
    assert AuditEvent.objects.count() == before


def test_before_finish_collects_in_the_innermost_use_case_and_flushes_once_before_it_finishes(db):
    from core.usecases import REGISTRY, SYSTEM, before_finish, note_audit, use_case

    flushed, registered = [], set(REGISTRY)

    @use_case(audit="data_exported")
    def inner(*, actor: User):
        before_finish("x", flushed.append).append("inner")
        note_audit("data_exported")

    @use_case(audit="data_exported")
    def outer(*, actor: User):
        before_finish("x", flushed.append).append(1)
        before_finish("x", flushed.append).append(2)
        inner(actor=actor)
        assert flushed == [["inner"]]  # the inner one flushed as it finished, inside the outer transaction
        note_audit("data_exported")

    try:
        outer(actor=SYSTEM)
        assert flushed == [["inner"], [1, 2]]
        assert before_finish("x", flushed.append) is None  # outside a use case: the caller writes at once
    finally:
        for name in set(REGISTRY) - registered:  # these two are the test's, not the product's
            del REGISTRY[name]
