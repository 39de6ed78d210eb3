"""补正 on a phone, from the citizen's side: a reviewer asks for more → the citizen signs in → the
header's 消息 badge says one unread → the message → its application → the correction is uploaded →
the application is back with the reviewer and the badge is gone. Also the signed-in home's card."""

import datetime as dt
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from credentials.demo import seed_types
from identity.roles import sync_roles
from identity.services import notice_mark_read, notice_send
from services.demo import seed_catalogue
from services.models import Application
from services.selectors import queue_for
from services.services.workflow import application_claim, application_review
from tests.e2e.test_wallet_flow import sign_in
from tests.factories import UserFactory, api_as, fresh_signing_key
from tests.services.conftest import catalogue_citizen, issue
from tests.services.test_lifecycle import apply

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, page.url


def test_supplement_requested_badge_message_resubmit_on_a_phone(live_server, page, shot, tmp_path):
    _clients, citizen, _licence, reviewer = catalogue_citizen("13800000431", "13800000432")
    # Given: the citizen applied and has read their messages; the reviewer asks for more (the workbench's use cases)
    number = apply(api_as(citizen), "GA-001", delivery_address="济南市历下区泉城路100号").json()["number"]
    notice_mark_read(actor=citizen)
    application = application_claim(actor=reviewer, application=Application.objects.get(number=number))
    application_review(actor=reviewer, application=application, action="supplement", comment="请上传身体条件证明")
    photo = tmp_path / "health.png"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 100, 50)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, citizen)
    badge = page.get_by_test_id("nav-messages")
    expect(badge).to_have_accessible_name("消息，1 条未读")
    assert page.get_by_test_id("unread-count").inner_text() == "1"

    page.goto(live_server.url + "/")
    card = page.get_by_test_id("waiting-supplement")
    expect(card).to_contain_text("请上传身体条件证明")
    _no_sideways_scroll(page)
    shot("home-signed-in-phone")

    badge.click()
    first = page.get_by_test_id("notice").first
    expect(first).to_contain_text("待补正")
    expect(page.get_by_test_id("unread-summary")).to_have_text("1 条未读")
    _no_sideways_scroll(page)
    shot("messages-phone")
    first.get_by_test_id("notice-link").click()
    expect(page.get_by_test_id("notice-body")).to_have_text("请上传身体条件证明")
    expect(badge).to_have_accessible_name("消息")  # opening it marked it read
    shot("message-phone")
    page.get_by_test_id("notice-target").click()
    expect(page.get_by_test_id("status")).to_have_text("待补正")
    page.get_by_label("身体条件证明").set_input_files(str(photo))
    page.get_by_role("button", name="提交补正").click()

    expect(page.get_by_test_id("status")).to_have_text("已补正")
    expect(badge).to_have_accessible_name("消息")  # the resubmission's own receipt is not news
    assert page.get_by_test_id("unread-count").count() == 0
    application.refresh_from_db()
    assert application.status == "resubmitted" and application.assigned_to == reviewer
    assert list(queue_for(reviewer, mine=True).values_list("number", flat=True)) == [number]
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("waiting-none")).to_be_visible()


def _widths(page) -> tuple[int, list]:
    """How wide the page is, and how wide its main part is, at 390 px — then again at 200 % text."""
    normal = page.evaluate("document.scrollingElement.scrollWidth")
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    large = page.evaluate("""() => [...document.querySelectorAll('main *')].map(e => [e.getBoundingClientRect().right,
                                      e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 30)]).sort((a, b) => b[0] - a[0])[0]""")
    page.evaluate("document.documentElement.style.fontSize = ''")
    return normal, large


LABEL_LINES = """selector => { const range = document.createRange(); range.selectNodeContents(document.querySelector(selector).firstChild);
                                   return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"""


def test_messages_and_the_home_fit_a_phone_in_both_languages_and_modes(live_server, page, page_check, request):
    """axe runs on every page view through the page check (tests/e2e/conftest.py); here the widths are measured too."""
    from tests.e2e.conftest import ARTIFACTS
    from tests.e2e.test_elder_and_accessibility import set_mode

    sync_roles()
    fresh_signing_key()
    clients = seed_types()
    seed_catalogue()
    citizen = UserFactory(name="欧阳娜娜", roles=["citizen"], phone_number="13800000433")
    credential = issue(clients, citizen, "driving_licence", "DL-1", {"licence_number": citizen.id_number, "licence_class": "C1",
                                                                     "first_issued": "2012-07-16", "file_number": "370100123456"})
    type(credential).objects.filter(pk=credential.pk).update(expires_on=dt.date.today() + dt.timedelta(days=12))
    for i in range(23):
        notice_send(user=citizen, kind="application", title=f"城乡居民基本养老保险待遇领取资格认证：需要补正材料（第 {i} 次）",
                    body="请上传户口簿首页及本人页的清晰照片，以及近三个月内的银行流水" * 3, url="/services/applications/QL1/")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, citizen)
    measured, found = [], {}
    for language in ("zh-hans", "en"):
        for elder in (False, True):
            set_mode(page, live_server.url, elder, language)
            for path in ("/", "/messages/", "/messages/?page=2", f"/messages/{citizen.notices.first().pk}/"):
                page.goto(live_server.url + path)
                normal, large = _widths(page)
                measured.append((language, elder, path, normal, large))
                if language == "en" and path in ("/", "/messages/"):
                    ARTIFACTS.mkdir(exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / f"messages-fit-en-{'elder' if elder else 'standard'}-{path.strip('/') or 'home'}.png"), full_page=True)
                if path == "/messages/" and page.evaluate(LABEL_LINES, "[data-testid=nav-messages]") > 1:
                    found[f"{language} {'elder' if elder else 'standard'}: the 消息 tab's label breaks"] = page.inner_text("[data-testid=nav-messages]")
                if normal > 390 or large[0] > 390:
                    found[f"{language} {'elder' if elder else 'standard'} {path}"] = (normal, large)
    assert len(measured) == 16 and found == {}, found
    checked = [v for v in page_check.views if v["test"] == request.node.nodeid and "/messages/" in v["url"]]
    assert len(checked) >= 12 and all(v.get("axe") == [] for v in checked)  # the page check's axe ran on each
