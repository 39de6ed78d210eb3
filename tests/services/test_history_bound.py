"""A submission costs the same for a person who has applied thousands of times (issue 25): every 秒批
result is a credential in the applicant's wallet, and the submit path once read all of them — each
result moved the holder's stamp, so the next submission rebuilt and unpickled the whole wallet, and
each worker kept the copies (the 1,000,000-citizen bench: 20 CPU ms a submission, workers 144 → 178 MiB).
A submission builds only the credentials it attaches, in a bounded number of statements."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from credentials.models import Credential, CredentialType
from credentials.services import credential_issue
from identity.models import ApiClient
from services.models import Application
from tests.services.test_lifecycle import form_for

RESULTS = 60


@pytest.fixture
def no_eager_tasks(monkeypatch):
    from celery import current_app

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)  # as in production: the 秒批 runs in a worker


@pytest.fixture
def filing_issuer(db):
    """The transport department's results system (made before the first submission: adding an issuer moves the types' stamp)."""
    ctype = CredentialType.objects.get(code="transport_filing")
    client = ApiClient.objects.create(key_id="results-history", name="备案系统", department=ctype.department, scopes=["credentials.issue"],
                                      secret_hash="!")
    ctype.issuers.add(client)
    return client


def hold_results(client, person, count: int) -> None:
    """``count`` results of earlier 秒批 filings in the person's wallet (valid, a type the filing form does not ask
    for), issued as a 秒批 issues them (services.services.results)."""
    for n in range(count):
        fields = {"plate_number": f"鲁A·{n:05d}", "vehicle_type": "小型客车", "operator": person.name}
        credential_issue(actor=client, data={"type": "transport_filing", "record_id": f"QL-EARLIER-{n}", "holder_number": person.id_number,
                                              "holder_name": person.name, "fields": fields, "issued_on": dt.date(2025, 1, 1)})


def built_credentials(api, body: dict, key: str) -> tuple[int, list[str], object]:
    """(Credential instances built while the request ran, its statements, the response)."""
    built = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=Credential)
    try:
        with CaptureQueriesContext(connection) as queries:
            response = api.post("/api/v1/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    finally:
        post_init.disconnect(count, sender=Credential)
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    return len(built), statements, response


def test_a_submission_by_a_person_holding_many_results_builds_only_what_it_attaches(holder_api, holder, filing_issuer, no_eager_tasks):
    data = form_for(holder_api, "JT-001", seats="5")
    assert holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json").status_code == 201  # warms the item
    hold_results(filing_issuer, holder, RESULTS)  # issued after the first submission, as 秒批 results arrive between submissions
    assert Credential.objects.filter(holder_index=holder.id_number_index, status="valid").count() == RESULTS + 3

    built, statements, response = built_credentials(holder_api, {"item": "JT-001", "data": data}, "history-1")

    assert response.status_code == 201
    assert sorted(m["material"] for m in response.json()["materials"]) == sorted(m.name for m in Application.objects.get(
        number=response.json()["number"]).version.materials.all())
    assert all(m["credential"] for m in response.json()["materials"])  # 免证办: both held, both attached
    assert built == 2, f"{built} credentials built for a submission attaching 2"
    assert len(statements) == 5, "\n".join(s[:100] for s in statements)  # the held credentials, application, materials, step, audit (no outbox row)


def test_the_cost_of_a_submission_does_not_grow_with_the_results_held(holder_api, holder, filing_issuer, no_eager_tasks):
    data = form_for(holder_api, "JT-001", seats="5")
    assert holder_api.post("/api/v1/applications/", {"item": "JT-001", "data": data}, format="json").status_code == 201  # warms the item
    hold_results(filing_issuer, holder, 1)
    few, few_statements, _response = built_credentials(holder_api, {"item": "JT-001", "data": data}, "history-few")
    hold_results(filing_issuer, holder, RESULTS)  # record ids repeat: the first is updated, the rest are new
    many, many_statements, _response = built_credentials(holder_api, {"item": "JT-001", "data": data}, "history-many")

    assert (many, len(many_statements)) == (few, len(few_statements))
