import pytest
from rest_framework.test import APIClient

from credentials.services import credential_issue
from tests.factories import CredentialTypeFactory, ServiceHallFactory, UserFactory, api_as, fresh_signing_key, issuer_client, licence_data


@pytest.fixture(autouse=True)
def signing_key(db):
    return fresh_signing_key()


@pytest.fixture
def driving_type(db):
    return CredentialTypeFactory()


@pytest.fixture
def issuer(driving_type):
    client, token = issuer_client()
    driving_type.issuers.add(client)
    return client, token


@pytest.fixture
def issuer_api(issuer):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + issuer[1])
    return api


@pytest.fixture
def licence(issuer, citizen):
    return credential_issue(actor=issuer[0], data=licence_data(citizen)).credential


@pytest.fixture
def clerk(db):
    return UserFactory(name="赵敏", roles=["clerk"], service_hall=ServiceHallFactory(name="历下区政务服务大厅"))


@pytest.fixture
def clerk_api(clerk):
    return api_as(clerk)


@pytest.fixture
def business_licence(other_citizen):
    """A business licence of an organisation whose legal representative is ``other_citizen``."""
    import datetime as dt

    from tests.factories import OrganisationFactory

    ctype = CredentialTypeFactory(code="business_licence", name="营业执照", holder_kind="organisation", type_code="11370000MA00000114901",
                                  validity_years=None, field_schema=[{"key": "company_type", "label": "类型"}])
    client, _token = issuer_client(name="市场监管局")
    ctype.issuers.add(client)
    organisation = OrganisationFactory(legal_representative=other_citizen)
    return credential_issue(actor=client, data={
        "type": "business_licence", "record_id": "BL1", "holder_number": organisation.credit_code, "holder_name": organisation.name,
        "fields": {"company_type": "有限责任公司"}, "issued_on": dt.date(2020, 1, 1)}).credential
