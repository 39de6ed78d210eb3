"""Portal pages for the wallet, 亮证 and the verification console (Django test client; the browser
flow is in tests/e2e)."""

import re

from credentials.models import Verification
from tests.factories import sign_in_with_second_factor


def test_wallet_pages_for_the_holder(client, citizen, licence):
    client.force_login(citizen)
    page = client.get("/wallet/").content.decode()
    assert "机动车驾驶证" in page and licence.identifier in page
    detail = client.get(f"/wallet/{licence.identifier}/").content.decode()
    assert citizen.masked_id_number in detail and citizen.id_number not in detail
    assert client.get(f"/wallet/{licence.identifier}/card.png")["Content-Type"] == "image/png"


def test_other_people_get_404_on_portal_pages(client, other_citizen, licence):
    client.force_login(other_citizen)
    for url in (f"/wallet/{licence.identifier}/", f"/wallet/{licence.identifier}/card.png"):
        assert client.get(url).status_code == 404
    assert client.post(f"/wallet/{licence.identifier}/present/", {"disclose": ["licence_class"]}).status_code == 404
    assert client.post(f"/wallet/{licence.identifier}/hide/", {"hidden": "1"}).status_code == 404


def test_present_page_and_console_show_only_disclosed_fields(client, citizen, clerk, licence):
    client.force_login(citizen)
    page = client.post(f"/wallet/{licence.identifier}/present/", {"disclose": ["licence_class"]}).content.decode()
    assert "<svg" in page and "370100123456" not in page
    token = re.search(r'data-testid="payload">([^<]+)<', page).group(1)

    refreshed = client.post(f"/wallet/{licence.identifier}/present/", {"disclose": ["licence_class"]}, HTTP_ACCEPT="application/json").json()
    assert refreshed["payload"] != token and refreshed["svg"].startswith("<svg")

    sign_in_with_second_factor(client, clerk)
    console = client.post("/verify/", {"payload": token}).content.decode()
    assert 'data-valid="true"' in console and "准驾车型" in console and "C1" in console
    assert "370100123456" not in console and citizen.id_number not in console
    again = client.post("/verify/", {"payload": token}).content.decode()
    assert 'data-valid="false"' in again and "亮证码已被使用" in again
    assert Verification.objects.count() == 2


def test_console_is_for_clerks_only(client, citizen):
    client.force_login(citizen)
    assert client.get("/verify/").status_code == 403


def test_checks_page_lists_who_checked(client, citizen, clerk, licence):
    from credentials.services import presentation_create, presentation_verify

    shown = presentation_create(user=citizen, credential=licence, disclose=[])
    presentation_verify(verifier=clerk, token=shown.token)
    client.force_login(citizen)
    page = client.get("/wallet/checks/").content.decode()
    assert "历下区政务服务大厅" in page and clerk.masked_name in page
