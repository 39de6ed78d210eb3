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
    return credential_issue(client=issuer[0], data=licence_data(citizen)).credential


@pytest.fixture
def clerk(db):
    return UserFactory(name="赵敏", roles=["clerk"], service_hall=ServiceHallFactory(name="历下区政务服务大厅"))


@pytest.fixture
def clerk_api(clerk):
    return api_as(clerk)
