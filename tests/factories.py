"""factory_boy factories for the actors and records the tests need."""

import datetime as dt
import itertools

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from identity import demo
from identity.models import Department, LegalEntityRecord, Organisation, PopulationRecord, ServiceHall, User, id_number_index

PASSWORD = "Correct-horse-2026"
_sequence = itertools.count(1)


def new_id_number() -> str:
    n = next(_sequence)
    return demo.id_number("370102", dt.date(1980, 1, 1) + dt.timedelta(days=n), n % 999 + 1)


class PopulationRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationRecord

    id_number = factory.LazyFunction(new_id_number)
    id_number_index = factory.LazyAttribute(lambda o: id_number_index(o.id_number))
    name = factory.Sequence(lambda n: f"测试{n}")
    gender = "M"
    birth_date = dt.date(1980, 1, 1)
    area_code = "370102"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"居民{n}")
    id_number = factory.LazyFunction(new_id_number)
    id_number_index = factory.LazyAttribute(lambda o: id_number_index(o.id_number))
    real_name_verified_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def phone_number(self, create, extracted, **kwargs):
        if extracted:
            self.set_phone(extracted, verified=True)
            if create:
                self.save(update_fields=["phone", "phone_index", "phone_verified"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    area_code = "370100"


class ServiceHallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceHall

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"服务大厅{n}")


class LegalEntityRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalEntityRecord

    credit_code = factory.Sequence(lambda n: demo.credit_code("370102", n + 100))
    name = factory.Sequence(lambda n: f"示范企业{n}有限公司")
    legal_representative_name = factory.LazyAttribute(lambda o: o.representative.name)
    legal_representative_id_number = factory.LazyAttribute(lambda o: o.representative.id_number)
    legal_representative_index = factory.LazyAttribute(lambda o: o.representative.id_number_index)
    area_code = "370102"

    class Params:
        representative = factory.SubFactory(UserFactory)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    credit_code = factory.Sequence(lambda n: demo.credit_code("370103", n + 500))
    name = factory.Sequence(lambda n: f"法人{n}")
    legal_representative = factory.SubFactory(UserFactory)


# --- credentials ---------------------------------------------------------------------------------

DRIVING_SCHEMA = [
    {"key": "licence_number", "label": "证号", "type": "id_number"},
    {"key": "licence_class", "label": "准驾车型", "type": "choice", "choices": ["A1", "B2", "C1"]},
    {"key": "first_issued", "label": "初次领证日期", "type": "date"},
    {"key": "file_number", "label": "档案编号", "type": "text"},
    {"key": "address", "label": "住址", "type": "text", "required": False},
]


def issuer_client(name="公安厅证照签发系统", scopes=("credentials.issue",), department=None):
    """An issuing system's API client; returns (client, bearer token)."""
    from identity.models import ApiClient

    client = ApiClient(name=name, scopes=list(scopes), department=department)
    token = client.set_new_secret()
    client.save()
    return client, token


class CredentialTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "credentials.CredentialType"
        django_get_or_create = ["code"]

    code = "driving_licence"
    name = "机动车驾驶证"
    department = factory.SubFactory(DepartmentFactory, credit_code=factory.LazyFunction(lambda: demo.credit_code("370000", 11, "1", "1")))
    type_code = factory.LazyAttribute(lambda o: o.department.credit_code + "003")
    field_schema = factory.LazyFunction(lambda: [dict(item) for item in DRIVING_SCHEMA])
    validity_years = 6


def licence_data(holder: User, record_id="DL-1", **overrides) -> dict:
    data = {
        "type": "driving_licence",
        "record_id": record_id,
        "holder_number": holder.id_number,
        "holder_name": holder.name,
        "fields": {"licence_number": holder.id_number, "licence_class": "C1", "first_issued": "2012-07-16", "file_number": "370100123456"},
        "issued_on": dt.date(2024, 1, 10),
    }
    data.update(overrides)
    return data


def fresh_signing_key():
    """A new active signing key, with every process's key ring told to reload (tests don't commit,
    so the on-commit reset of ``key_create`` is done by hand)."""
    from credentials import signing

    signing.reset()
    key = signing.key_create()
    signing.reset()
    return key


def api_as(user):
    """A DRF test client signed in as ``user``."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client
