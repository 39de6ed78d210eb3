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
