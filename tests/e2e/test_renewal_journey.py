"""期满换证 on a phone, from the wallet to the window: the citizen shows their driving licence once
(a code they keep), renews it online, a reviewer approves; the wallet then lists only the new licence
(the old one under 历史证照, marked, with nothing to present) and the clerk refuses the code made from
the old one as 已被新证替代."""

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import ServiceHallFactory, UserFactory, totp_for
from tests.services.conftest import catalogue_citizen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world():
    _clients, citizen, old, reviewer = catalogue_citizen("13800000431", "13800000432")
    clerk = UserFactory(name="赵敏", roles=["clerk"], phone_number="13800000433", service_hall=ServiceHallFactory(name="历下区政务服务大厅"))
    totp_for(clerk)
    return citizen, reviewer, clerk, old


def _approve(reviewer, number):
    """The reviewer's step, through the same use cases the workbench calls."""
    from services.models import Application
    from services.services.workflow import application_claim, application_review

    application = application_claim(actor=reviewer, application=Application.objects.get(number=number))
    return application_review(actor=reviewer, application=application, action="approve", comment="材料齐全，同意换证")


def test_after_renewal_only_the_new_licence_is_presentable(live_server, world, page, shot):
    citizen, reviewer, clerk, old = world
    page.set_viewport_size(PHONE)

    sign_in(page, live_server.url, citizen.id_number)
    page.get_by_test_id("nav-wallet").click()
    page.get_by_test_id("credential-link").filter(has_text="机动车驾驶证").click()
    page.get_by_test_id("present").click()
    page.get_by_test_id("qr").locator("svg").wait_for()
    kept = page.get_by_test_id("payload").input_value()  # a code made from the old licence, before renewal

    page.get_by_test_id("nav-services").click()
    page.get_by_test_id("search").fill("驾驶证 换证")
    page.get_by_test_id("search").press("Enter")
    page.get_by_test_id("item-link").filter(has_text="机动车驾驶证期满换证").click()
    page.get_by_test_id("apply").click()
    page.fill("input[name=delivery_address]", "济南市历下区泉城路100号")
    page.get_by_test_id("submit").click()
    assert page.get_by_test_id("status").inner_text() == "已提交"
    number = page.url.rstrip("/").rsplit("/", 1)[-1]

    assert _approve(reviewer, number).status == "completed"

    page.goto(live_server.url + "/wallet/")
    licences = page.get_by_test_id("wallet").get_by_test_id("credential-link").filter(has_text="机动车驾驶证")
    assert licences.count() == 1
    history = page.get_by_test_id("history")
    history.locator("summary").click()
    assert "已被新证替代" in history.inner_text() and history.get_by_test_id("history-item").count() == 1
    shot("renewal-wallet-phone")
    # the empty "who checked" table stacks as a card without a column's name before "暂无查验记录"
    assert page.locator("table.stacked td[colspan]").first.get_attribute("data-label") is None
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]

    licences.click()
    assert page.get_by_test_id("status").inner_text() == "有效" and page.get_by_test_id("present-form").count() == 1
    page.goto(f"{live_server.url}/wallet/{old.identifier}/")
    assert page.get_by_test_id("status").inner_text() == "已被新证替代"
    assert page.get_by_test_id("present-form").count() == 0 and page.get_by_test_id("offer").count() == 0
    assert page.get_by_test_id("superseded").is_visible()
    shot("renewal-old-licence-phone")

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, clerk.id_number)
    page.goto(live_server.url + "/verify/")
    page.fill("#payload", kept)
    page.get_by_test_id("verify").click()
    verdict = page.get_by_test_id("verdict")
    assert verdict.get_attribute("data-valid") == "false"
    assert page.get_by_test_id("verdict-reason").inner_text() == "已被新证替代"
    shot("renewal-old-code-refused-phone")
