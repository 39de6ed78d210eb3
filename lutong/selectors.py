"""Reads for 鲁通码: the public register of scenarios and their readers, a terminal by its key, a
holder's switches and the reads of their code, and the fields a scenario answers for one person."""

from __future__ import annotations

from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from core.public_cache import Stamp
from credentials.claims import claim_labels
from credentials.models import Credential, CredentialType, HolderKind
from identity.models import User
from lutong.models import OptOut, Reader, Resolution, Scenario, Terminal, Transport

REGISTER = Stamp("lutong-register")  # the public register of scenarios and readers (lutong/receivers.py)


def scenarios() -> list[Scenario]:
    """Every scenario with what its readers see (``sees``: per credential type, the field labels) and
    its active readers (``active_readers``, each with ``transport_labels``)."""
    found = list(Scenario.objects.all())
    codes = {code for scenario in found for code in scenario.allowed}
    types = {ctype.code: ctype for ctype in CredentialType.objects.filter(code__in=codes).select_related("department")}
    readers: dict[int, list[Reader]] = {}
    for reader in Reader.objects.filter(relying_party__is_active=True).select_related("relying_party"):
        reader.transport_labels = [str(Transport(value).label) for value in reader.transports]
        readers.setdefault(reader.scenario_id, []).append(reader)
    for scenario in found:
        scenario.sees = []
        for code, keys in sorted(scenario.allowed.items()):
            if code in types:
                labels = claim_labels(types[code])
                scenario.sees.append({"credential_type": code, "name": types[code].local_name, "keys": list(keys),
                                      "labels": [labels.get(key, key) for key in keys]})
        scenario.active_readers = readers.get(scenario.pk, [])
    return found


_TERMINALS: dict[str, tuple[int, Terminal | None]] = {}  # key id → (the register's stamp it was read at, the terminal)
_TERMINALS_KEPT = 10_000


def terminal_by_token(token: str) -> Terminal | None:
    """The terminal a ``<key id>.<secret>`` names, if its secret matches, it is not revoked and its
    reader is active in the verifier register; None for anything else (one answer for all of them).
    Kept in this process while the register's stamp stands (one Redis read instead of a query): a
    revocation or a suspension moves the stamp when it commits, and the next request reads again."""
    key_id, dot, secret = (token or "").strip().partition(".")
    if not dot or not key_id or not secret:
        return None
    stamp = REGISTER.current()
    kept = _TERMINALS.get(key_id)
    if kept is None or kept[0] != stamp:
        terminal = (Terminal.objects.select_related("reader__relying_party", "reader__scenario")
                    .filter(key_id=key_id, revoked_at__isnull=True, reader__relying_party__is_active=True).first())
        if len(_TERMINALS) >= _TERMINALS_KEPT:
            _TERMINALS.clear()
        _TERMINALS[key_id] = kept = (stamp, terminal)
    terminal = kept[1]
    if terminal is None or not terminal.check_secret(secret):
        return None
    return terminal


def switched_off(user: User) -> set[int]:
    """The scenarios this person has switched off."""
    return set(OptOut.objects.filter(user=user).values_list("scenario_id", flat=True))


def is_switched_off(person_index: str, scenario: Scenario) -> bool:
    return not scenario.statutory and OptOut.objects.filter(user__id_number_index=person_index, scenario=scenario).exists()


def scenario_for(code: str) -> Scenario:
    from core.errors import NotFound

    found = Scenario.objects.filter(code=code).first()
    if found is None:
        raise NotFound()
    return found


def _value(credential: Credential, key: str):
    if key == "holder_name":
        return credential.holder_name
    if key == "holder_number":
        return credential.holder_number
    if key in ("issued_on", "expires_on"):
        value = getattr(credential, key)
        return value.isoformat() if value else None
    return credential.fields.get(key)


def answer_for(person_index: str, scenario: Scenario) -> tuple[bool, list[dict]]:
    """(whether the holder switched this scenario off, exactly the scenario's fields from the person's
    newest valid credential of each type it names, labelled in the reader's language). One query: the
    switch is read beside the credentials; a type the person does not hold is left out."""
    today = timezone.localdate()
    credentials = (Credential.objects.select_related("type")
                   .filter(holder_kind=HolderKind.PERSON, holder_index=person_index, type__code__in=list(scenario.allowed),
                           status=Credential.Status.VALID)
                   .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today)).order_by("-issued_on", "-id"))
    if not scenario.statutory:
        credentials = credentials.annotate(switched_off=Exists(OptOut.objects.filter(user__id_number_index=person_index, scenario_id=scenario.pk)))
    found = list(credentials) if scenario.allowed else []
    if not found:  # nothing to answer; the switch still decides what the reader is told
        return is_switched_off(person_index, scenario), []
    if getattr(found[0], "switched_off", False):
        return True, []
    newest: dict[str, Credential] = {}
    for credential in found:
        newest.setdefault(credential.type.code, credential)
    rows = []
    for code, keys in sorted(scenario.allowed.items()):
        credential = newest.get(code)
        if credential is None:
            continue
        labels = claim_labels(credential.type)
        rows += [{"credential_type": code, "type_name": credential.type.local_name, "key": key, "label": labels.get(key, key),
                  "value": _value(credential, key)} for key in keys]
    return False, rows


def reads_of(user: User) -> QuerySet[Resolution]:
    """Who read my 鲁通码, newest first."""
    return (Resolution.objects.filter(person_index=user.id_number_index)
            .select_related("reader__relying_party", "reader__scenario", "terminal").order_by("-created_at"))
