"""Portal pages for the wallet, 亮证 and the verification console (Django test client; the browser
flow is in tests/e2e)."""

import datetime as dt
import re

from django.utils import translation

from credentials.models import Verification
from tests.factories import sign_in_with_second_factor


def test_wallet_pages_for_the_holder(client, citizen, licence):
    client.force_login(citizen)
    page = client.get("/wallet/").content.decode()
    assert "机动车驾驶证" in page and licence.identifier in page
    detail = client.get(f"/wallet/{licence.identifier}/").content.decode()
    assert citizen.masked_id_number in detail and citizen.id_number not in detail
    assert client.get(f"/wallet/{licence.identifier}/card.png")["Content-Type"] == "image/png"


def test_opening_the_show_or_wallet_app_page_again_by_address_lands_on_the_credential(client, citizen, other_citizen, licence):
    """The 切换回本人, language and 长辈版 switches return to the page they were pressed on; on a shown
    code that page was a POST, and a GET of it answered an empty 405, which Chrome shows as its own
    error page. A GET makes no code and goes to the credential; someone else's still answers 404."""
    from credentials.models import Presentation

    client.force_login(citizen)
    for action in ("present", "offer"):
        response = client.get(f"/wallet/{licence.identifier}/{action}/")
        assert (response.status_code, response["Location"]) == (302, f"/wallet/{licence.identifier}/")
    assert not Presentation.objects.exists()
    client.force_login(other_citizen)
    assert client.get(f"/wallet/{licence.identifier}/present/").status_code == 404


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


def test_an_english_present_page_names_what_it_shows_in_english_or_marks_the_chinese(client, citizen, licence, driving_type):
    with translation.override(None):  # the pages below switch this thread to English: give it back as it was
        driving_type.field_schema = [{**driving_type.field_schema[0], "label_en": "Licence number"}, *driving_type.field_schema[1:]]
        driving_type.save(update_fields=["field_schema"])
        client.force_login(citizen)
        client.cookies["django_language"] = "en"
        page = client.post(f"/wallet/{licence.identifier}/present/", {"disclose": ["licence_number", "licence_class"]}).content.decode()
        shown = re.search(r'data-testid="disclosed">(.*?)</p>', page, re.S).group(1)
        assert shown == 'Showing: <span lang="zh-Hans">准驾车型</span>, <span>Licence number</span>'


def test_console_is_for_clerks_only(client, citizen):
    client.force_login(citizen)
    assert client.get("/verify/").status_code == 403


def test_checks_page_lists_who_checked(client, citizen, clerk, licence):
    from credentials.services import presentation_create, presentation_verify

    shown = presentation_create(actor=citizen, credential=licence, disclose=[])
    presentation_verify(actor=clerk, token=shown.token)
    client.force_login(citizen)
    page = client.get("/wallet/checks/").content.decode()
    assert "历下区政务服务大厅" in page and clerk.masked_name in page


def _facts(page: str) -> list[tuple[str, str]]:
    """The (label, value) pairs of a page's fact list, as read."""
    block = re.search(r'data-testid="(?:disclosed|fields)">(.*?)</dl>', page, re.S).group(1)
    return [(label, re.sub(r"<[^>]+>", "", value)) for label, value in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", block, re.S)]


def _verdict_page(client, citizen, clerk, credential, disclose) -> str:
    from credentials.services import presentation_create

    token = presentation_create(actor=citizen, credential=credential, disclose=disclose).token
    sign_in_with_second_factor(client, clerk)
    return client.post("/verify/", {"payload": token}).content.decode()


def test_the_verdict_shows_each_fact_once_and_the_identifier_as_code(client, citizen, clerk, licence):
    page = _verdict_page(client, citizen, clerk, licence, ["licence_class"])
    facts = _facts(page)
    labels, values = [label for label, _value in facts], [value for _label, value in facts]
    assert values.count(citizen.masked_id_number) == 1 and "证号" in labels and "证件号码" not in labels  # the licence number is the ID number
    in_full = [value for _label, value in _facts(_verdict_page(client, citizen, clerk, licence, ["licence_number"]))]
    assert in_full.count(citizen.id_number) == 1 and citizen.masked_id_number not in in_full
    assert labels.count("发证机关") == 1 and values.count(licence.type.department.name) == 1
    assert page.count(licence.identifier) == 1 and f'<code class="mono" data-ident data-testid="identifier">{licence.identifier}</code>' in page


def test_an_id_card_names_its_own_authority_once_and_the_department_apart(client, citizen, clerk, issuer, driving_type):
    from credentials.services import credential_issue
    from tests.factories import CredentialTypeFactory

    department = driving_type.department
    ctype = CredentialTypeFactory(code="id_card", name="居民身份证", department=department, type_code=department.credit_code + "001", validity_years=None,
                                  field_schema=[{"key": "issuing_authority", "label": "签发机关", "type": "text"}])
    ctype.issuers.add(issuer[0])
    local = credential_issue(actor=issuer[0], data={"type": "id_card", "record_id": "ID-1", "holder_number": citizen.id_number, "holder_name": citizen.name,
                                                     "fields": {"issuing_authority": "济南市公安局历下分局"}, "issued_on": dt.date(2016, 5, 9)}).credential
    facts = _facts(_verdict_page(client, citizen, clerk, local, ["issuing_authority"]))
    assert ("签发机关", "济南市公安局历下分局") in facts and ("电子证照发证部门", department.name) in facts
    assert "发证机关" not in [label for label, _value in facts]

    same = credential_issue(actor=issuer[0], data={"type": "id_card", "record_id": "ID-1", "holder_number": citizen.id_number, "holder_name": citizen.name,
                                                    "fields": {"issuing_authority": department.name}, "issued_on": dt.date(2016, 5, 9)}).credential
    facts = _facts(_verdict_page(client, citizen, clerk, same, ["issuing_authority"]))
    assert [value for _label, value in facts].count(department.name) == 1 and ("签发机关", department.name) in facts


def test_the_holder_sees_the_identifier_as_code_and_each_fact_once(client, citizen, licence):
    client.force_login(citizen)
    page = client.get(f"/wallet/{licence.identifier}/").content.decode()
    values = [value for _label, value in _facts(page)]
    assert values.count(citizen.masked_id_number) == 1
    assert f'<code class="mono" data-ident data-testid="identifier">{licence.identifier}</code>' in page
