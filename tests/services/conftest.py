import datetime as dt

import pytest

from credentials.demo import seed_types
from credentials.services import credential_issue
from identity.models import Department
from services.demo import seed_catalogue
from tests.factories import UserFactory, api_as, fresh_signing_key


@pytest.fixture(autouse=True)
def catalogue(db):
    from core.usecases import SYSTEM
    from credentials import seals

    fresh_signing_key()
    clients = seed_types()
    seed_catalogue()
    seals.authority_create(actor=SYSTEM)  # result documents are sealed PDFs
    for department in Department.objects.all():
        seals.seal_issue(actor=SYSTEM, department=department)
    return clients


def issue(clients, person, type_code, record_id, fields, dept="SD-GAT"):
    return credential_issue(actor=clients[dept], data={"type": type_code, "record_id": record_id, "holder_number": person.id_number,
                                                        "holder_name": person.name, "fields": fields, "issued_on": dt.date(2024, 1, 1)}).credential


def catalogue_citizen(phone: str, reviewer_phone: str, name: str = "张三"):
    """For tests against a live server (whose transactional flush removed the roles and catalogue):
    roles, a signing key, the demo types and catalogue, a citizen holding an ID card and a driving
    licence, and a reviewer of the public security department. Returns (clients, citizen, licence, reviewer)."""
    from credentials.demo import seed_types
    from identity.models import Department
    from identity.roles import sync_roles
    from services.demo import seed_catalogue
    from tests.factories import UserFactory, fresh_signing_key

    sync_roles()
    fresh_signing_key()
    clients = seed_types()
    seed_catalogue()
    citizen = UserFactory(name=name, roles=["citizen"], phone_number=phone)
    issue(clients, citizen, "id_card", "ID-1", {"gender": "男", "ethnicity": "汉", "birth_date": "1980-01-02", "address": "济南市历下区",
                                                "id_number": citizen.id_number, "issuing_authority": "济南市公安局"})
    licence = issue(clients, citizen, "driving_licence", "DL-1", {"licence_number": citizen.id_number, "licence_class": "C1",
                                                                  "first_issued": "2012-07-16", "file_number": "370100123456"})
    reviewer = UserFactory(name="陈强", roles=["reviewer"], phone_number=reviewer_phone, department=Department.objects.get(code="SD-GAT"))
    return clients, citizen, licence, reviewer


@pytest.fixture
def holder(citizen, catalogue):
    """A citizen whose wallet holds an ID card, a driving licence and a vehicle licence."""
    issue(catalogue, citizen, "id_card", "ID-1", {"gender": "男", "ethnicity": "汉", "birth_date": "1980-01-02", "address": "济南市历下区",
                                                  "id_number": citizen.id_number, "issuing_authority": "济南市公安局"})
    issue(catalogue, citizen, "driving_licence", "DL-1", {"licence_number": citizen.id_number, "licence_class": "C1", "first_issued": "2012-07-16",
                                                          "file_number": "370100123456"})
    issue(catalogue, citizen, "vehicle_licence", "VL-1", {"plate_number": "鲁A·D12345", "vehicle_type": "小型轿车", "use_nature": "非营运",
                                                          "brand_model": "比亚迪", "vin": "LGXC16DF5M0123456", "register_date": "2021-04-02"})
    return citizen


@pytest.fixture
def holder_api(holder):
    return api_as(holder)


def staff(role, dept_code, **extra):
    return UserFactory(roles=[role], department=Department.objects.get(code=dept_code), **extra)


@pytest.fixture
def reviewer(db):
    return staff("reviewer", "SD-GAT", name="陈强")


@pytest.fixture
def reviewer_api(reviewer):
    return api_as(reviewer)


@pytest.fixture(autouse=True)
def run_on_commit_callbacks(request, monkeypatch):
    """Tests run inside a transaction that never commits; run on-commit work (秒批, notices) as the
    outer commit would. ``test_notifications_wait_for_the_commit`` checks the real deferral."""
    if "real_on_commit" in request.keywords:
        return
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
