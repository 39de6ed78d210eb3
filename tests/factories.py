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
    """A new active signing key for credentials (returned) and one for each other purpose, with every
    process's key ring told to reload (tests don't commit, so the on-commit reset of ``key_create`` is
    done by hand)."""
    from credentials import signing

    signing.reset()
    key = signing.key_create()
    for purpose in signing.Purpose.values[1:]:
        signing.key_create(purpose=purpose)
    signing.reset()
    return key


def totp_for(user, secret: str | None = None):
    """Give ``user`` an authenticator app (TOTP), as allauth's activation does; returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for ``secret``."""
    from identity.demo import totp_code as code_now

    return code_now(secret)


APP = "/_allauth/app/v1"


def app_session_token(user, password: str, totp_secret: str | None = None) -> str:
    """Sign in through the mobile app's API, as the app does: ID number and password, then, for an
    account with a second factor, the authenticator app's code; returns the session token."""
    import json

    from django.test import Client

    client = Client()
    response = client.post(APP + "/auth/login", json.dumps({"username": user.id_number, "password": password}), content_type="application/json")
    if totp_secret is not None:
        assert response.status_code == 401, response.content
        pending = response.json()
        assert [flow["id"] for flow in pending["data"]["flows"] if flow.get("is_pending")] == ["mfa_authenticate"], pending
        response = client.post(APP + "/auth/2fa/authenticate", json.dumps({"code": totp_code(totp_secret)}), content_type="application/json",
                               HTTP_X_SESSION_TOKEN=pending["meta"]["session_token"])
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def sign_in_with_second_factor(client, user) -> str:
    """Sign ``client`` in as ``user`` the way staff must: a session whose sign-in used a second factor
    (an authenticator app, added here if the account has none), as allauth records it after the code.
    Returns the session key (the mobile app's session token is the same key)."""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        totp_for(user)
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "password", "at": time.time()},
                                                   {"method": "mfa", "at": time.time(), "type": "totp", "id": authenticator.pk}]
    session.save()
    return session.session_key


def api_as(user):
    """A DRF test client signed in as ``user``. Staff sign in as the mobile app does (a session token)
    and with a second factor, as they must (``identity.second_factor``)."""
    from rest_framework.test import APIClient

    client = APIClient()
    from identity.second_factor import ROLES

    if user.is_staff or set(user.groups.values_list("name", flat=True)) & ROLES:
        token = sign_in_with_second_factor(client, user)
        client.cookies.clear()
        client.credentials(HTTP_X_SESSION_TOKEN=token)
    else:
        client.force_authenticate(user)
    return client


class RelyingPartyFactory(factory.django.DjangoModelFactory):
    """A registered relying party: by default the hall's window, which may ask for a driving licence's
    holder name, class and expiry. ``members=[…]`` lists the staff who may ask for it."""

    class Meta:
        model = "credentials.RelyingParty"
        skip_postgeneration_save = True  # members are a many-to-many: nothing to save after adding them

    client_id = "lixia-hall-window"
    name = "历下区政务服务大厅窗口"
    kind = "window"
    organisation = "历下区行政审批服务局"
    purpose = "核对办事人身份与驾驶资格"
    allowed = factory.LazyFunction(lambda: {"driving_licence": ["holder_name", "licence_class", "expires_on"]})

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


def licence_world(citizen_phone: str = "13800000201", clerk_phone: str = "13800000202"):
    """For tests against a live server (whose transactional flush removed the roles): roles, a signing
    key, the citizen 张三 with a driving licence, and the clerk 赵敏 at a service hall, signing in with an
    authenticator app. Returns (citizen, clerk, licence, the issuing system's client)."""
    from credentials.services import credential_issue
    from identity.roles import sync_roles

    sync_roles()
    fresh_signing_key()
    citizen = UserFactory(name="张三", roles=["citizen"], phone_number=citizen_phone)
    clerk = UserFactory(name="赵敏", roles=["clerk"], phone_number=clerk_phone, service_hall=ServiceHallFactory(name="历下区政务服务大厅"))
    totp_for(clerk)  # staff sign in with a second factor (identity.second_factor)
    ctype = CredentialTypeFactory()
    client, _token = issuer_client()
    ctype.issuers.add(client)
    return citizen, clerk, credential_issue(actor=client, data=licence_data(citizen)).credential, client
