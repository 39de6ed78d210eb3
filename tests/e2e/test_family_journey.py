"""家庭代办 on a phone (390×844), in a real browser: a parent whose link with her daughter a clerk has
checked switches to acting for her on the 家人 page, applies for the daughter (every page says whose
name is used), then shows the daughter's ID card — the QR page marks it 代亮 — and switches back."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from credentials.models import Presentation
from services.models import Application
from tests.e2e.conftest import PHONE, sign_in
from tests.e2e.test_elder_and_accessibility import in_mode, set_mode
from tests.family.conftest import minor_link, person
from tests.services.conftest import catalogue_citizen, issue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def family(live_server):
    from tests.factories import UserFactory

    clients, parent, _licence, _reviewer = catalogue_citizen("13800000631", "13800000632", name="李梅")
    child = person(dt.date(2016, 6, 1), "李小雨", roles=["citizen"])
    issue(clients, child, "id_card", "ID-C1", {"gender": "女", "ethnicity": "汉", "birth_date": "2016-06-01", "address": "济南市历下区",
                                               "id_number": child.id_number, "issuing_authority": "济南市公安局"})
    minor_link(parent, child, UserFactory(roles=["clerk"]))
    return parent, child


def test_a_parent_applies_and_shows_a_credential_for_her_child_on_a_phone(live_server, page, family, shot):
    parent, child = family
    url = live_server.url
    page.set_viewport_size(PHONE)
    sign_in(page, url, parent.id_number)

    page.goto(url + "/family/")
    assert "李小雨" in page.inner_text("[data-testid=family-dependants]")
    page.click("[data-testid=act-for]")
    page.wait_for_url(re.compile(r".*/services/$"))
    assert "正在为 李小雨（女儿）代办" in page.inner_text("[data-testid=acting-banner]")

    page.goto(url + "/services/items/RS-003/apply/")
    assert "正在为 李小雨（女儿）代办" in page.inner_text("[data-testid=acting-banner]")
    page.fill("[name=phone]", "13800000631")
    page.fill("[name=delivery_address]", "济南市历下区泉城路 1 号")
    page.click("[data-testid=submit]")
    page.wait_for_url(re.compile(r".*/services/applications/QL\d+/$"))
    application = Application.objects.get()
    assert (application.applicant_id, application.submitted_by_id) == (child.pk, parent.pk)
    shot("family-applied-for-child-phone")

    page.goto(url + "/wallet/")
    page.click("[data-testid=credential-link]")
    page.click("[data-testid=present]")
    page.wait_for_selector("[data-testid=qr] svg")
    assert page.inner_text("[data-testid=daliang]") == "代亮"
    assert Presentation.objects.get().on_behalf is True
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    shot("family-daliang-phone")

    with page.expect_navigation():  # back to the page it was pressed on: the credential (a shown code is never re-made by a GET)
        page.click("[data-testid=act-self]")
    assert re.search(r"/wallet/[^/]+/$", page.url) and "已切换回本人" in page.inner_text("main")
    assert page.locator("[data-testid=acting-banner]").count() == 0

    for language, elder in (("en", False), ("zh-hans", True)):  # the 家人 page in English and in 长辈版 (the page check audits each)
        set_mode(page, url, elder, language)
        page.goto(url + "/family/")
        in_mode(page, language, elder)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
