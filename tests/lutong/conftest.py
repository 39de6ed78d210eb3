import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.factories import fresh_signing_key

ADDRESS = "山东省济南市历下区泉城路100号"


@pytest.fixture
def terminals(db, citizen):
    return seed_world(citizen)


def seed_world(citizen) -> dict:
    """The demo scenarios, a reader and a terminal for each (by scenario code), and the citizen's ID
    card and social security card (lutong.demo, credentials.demo's types and issuers)."""
    from credentials.demo import seed_types
    from credentials.services import credential_issue
    from lutong.demo import seed_readers

    fresh_signing_key()
    clients = seed_types()
    credential_issue(actor=clients["SD-GAT"], data={
        "type": "id_card", "record_id": "ID-1", "holder_number": citizen.id_number, "holder_name": citizen.name, "issued_on": dt.date(2016, 5, 9),
        "fields": {"gender": "男", "ethnicity": "汉", "birth_date": "1990-03-07", "address": ADDRESS, "id_number": citizen.id_number,
                   "issuing_authority": "济南市公安局历下分局"}})
    credential_issue(actor=clients["SD-RST"], data={
        "type": "social_security_card", "record_id": "SS-1", "holder_number": citizen.id_number, "holder_name": citizen.name,
        "issued_on": dt.date(2019, 3, 1), "fields": {"social_security_number": citizen.id_number, "card_number": "A37010200123",
                                                     "bank": "中国工商银行济南分行", "city": "济南市"}})
    return seed_readers()


def reader_api(terminal_or_token) -> APIClient:
    from lutong.demo import DEMO_TERMINAL_SECRET

    token = terminal_or_token if isinstance(terminal_or_token, str) else f"{terminal_or_token.key_id}.{DEMO_TERMINAL_SECRET}"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + token)
    return api


@pytest.fixture
def code_of(citizen):
    from lutong.services import code_show

    return lambda user=citizen: code_show(user=user).payload
