"""``valid_credentials`` on PostgreSQL reads the newest valid credential of each asked type with one statement
written once per process (``credentials.selectors._newest_valid``: a ``LATERAL … LIMIT 1`` per type) instead of
the ORM's ``UNION ALL`` compiled afresh per call (issue 25: ~1.8 CPU ms a 秒批 submission). It answers what the
ORM's query answers — the same rows, each with its type as ``select_related`` builds it, the photo left unread."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials import selectors
from credentials.models import Credential
from credentials.services import credential_issue, credential_set_status
from tests.factories import CredentialTypeFactory, UserFactory, licence_data

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the statement is PostgreSQL's")


@pytest.fixture
def wallet(issuer, citizen, driving_type):
    """Licences old and new, one expired, one revoked, a second type, and someone else's newer licence."""
    client = issuer[0]
    boat = CredentialTypeFactory(code="boat_licence", name="游艇驾驶证", department=driving_type.department,
                                 type_code=driving_type.department.credit_code + "009")
    boat.issuers.add(client)
    issue = lambda holder, record, **kw: credential_issue(actor=client, data=licence_data(holder, record_id=record, **kw)).credential  # noqa: E731
    made = {
        "old": issue(citizen, "DL-OLD", issued_on=dt.date(2019, 3, 1)),
        "newest": issue(citizen, "DL-NEW", issued_on=dt.date(2024, 5, 1)),
        "expired": issue(citizen, "DL-EXP", issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2025, 6, 1)),
        "revoked": issue(citizen, "DL-REV", issued_on=dt.date(2025, 2, 1)),
        "boat": issue(citizen, "BT-1", type="boat_licence", issued_on=dt.date(2023, 1, 1)),
        "other": issue(UserFactory(), "DL-OTHER", issued_on=dt.date(2026, 1, 1)),
    }
    credential_set_status(actor=client, record_id="DL-REV", status=Credential.Status.REVOKED, reason="test")
    return made


def orm_answer(citizen, ids):
    rows = (Credential.objects.select_related("type").defer("photo")
            .filter(holder_kind="person", holder_index=citizen.id_number_index, status=Credential.Status.VALID)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate())))
    return list(selectors.newest_per_type(rows, ids))


def test_the_statement_answers_what_the_orm_answers(wallet, citizen):
    ids = selectors.type_ids({"driving_licence", "boat_licence"})
    fast, slow = selectors._newest_valid("person", citizen.id_number_index, ids), orm_answer(citizen, ids)
    assert sorted(c.pk for c in fast) == sorted(c.pk for c in slow) == sorted([wallet["newest"].pk, wallet["boat"].pk])
    by_pk = {c.pk: c for c in slow}
    for credential in fast:
        twin = by_pk[credential.pk]
        assert credential.fields == twin.fields and credential.holder_number == twin.holder_number  # decrypted as the ORM decrypts
        assert credential.issued_on == twin.issued_on and credential.expires_on == twin.expires_on
        assert credential.get_deferred_fields() == twin.get_deferred_fields() == {"photo"}
        with CaptureQueriesContext(connection) as queries:  # the type came with the row
            kind = credential.type
        assert not queries.captured_queries
        assert {f.attname: getattr(kind, f.attname) for f in kind._meta.concrete_fields} == \
               {f.attname: getattr(twin.type, f.attname) for f in twin.type._meta.concrete_fields}
        assert kind.fields_by_key == twin.type.fields_by_key  # the JSON schema read as JSON, not text


def test_valid_credentials_is_one_statement_by_type(wallet, citizen):
    selectors.type_ids({"driving_licence", "boat_licence"})  # the type ids kept
    with CaptureQueriesContext(connection) as queries:
        found = selectors.valid_credentials(holder_kind="person", index=citizen.id_number_index, type_codes={"driving_licence", "boat_licence"})
    assert {code: c.pk for code, c in found.items()} == {"driving_licence": wallet["newest"].pk, "boat_licence": wallet["boat"].pk}
    assert len(queries.captured_queries) == 1 and "LATERAL" in queries.captured_queries[0]["sql"]
    assert selectors.valid_credentials(holder_kind="person", index="nobody", type_codes={"driving_licence"}) == {}
    assert selectors.valid_credentials(holder_kind="organisation", index=citizen.id_number_index, type_codes={"driving_licence"}) == {}
