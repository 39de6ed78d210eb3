"""掌上办 in a real browser: find an item by a Chinese keyword, apply with credentials attached from
the wallet, a reviewer approves in the workbench, and the result appears in the citizen's wallet."""

import pytest

from credentials.demo import seed_types
from identity.models import Department
from identity.roles import sync_roles
from services.demo import seed_catalogue
from tests.e2e.test_wallet_flow import sign_in
from tests.factories import UserFactory, fresh_signing_key
from tests.services.conftest import issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_apply_review_and_result_in_wallet(live_server, page, shot):
    sync_roles()
    fresh_signing_key()
    clients = seed_types()
    seed_catalogue()
    citizen = UserFactory(name="张三", roles=["citizen"], phone_number="13800000401")
    issue(clients, citizen, "id_card", "ID-1", {"gender": "男", "ethnicity": "汉", "birth_date": "1980-01-02", "address": "济南市历下区",
                                                "id_number": citizen.id_number, "issuing_authority": "济南市公安局"})
    issue(clients, citizen, "driving_licence", "DL-1", {"licence_number": citizen.id_number, "licence_class": "C1", "first_issued": "2012-07-16",
                                                        "file_number": "370100123456"})
    reviewer = UserFactory(name="陈强", roles=["reviewer"], phone_number="13800000402", department=Department.objects.get(code="SD-GAT"))

    sign_in(page, live_server.url, citizen)
    page.get_by_test_id("nav-services").click()
    page.get_by_test_id("search").fill("驾驶证 换证")
    page.get_by_test_id("search").press("Enter")
    page.get_by_test_id("item-link").filter(has_text="机动车驾驶证期满换证").click()
    page.get_by_test_id("apply").click()
    attached = page.get_by_test_id("auto-attached")
    assert attached.count() == 2 and "机动车驾驶证" in page.get_by_test_id("materials").inner_text()
    assert page.locator("select[name=licence_class]").input_value() == "C1"  # pre-filled from the wallet
    page.fill("input[name=delivery_address]", "济南市历下区泉城路100号")
    shot("services-apply")
    page.get_by_test_id("submit").click()
    assert page.get_by_test_id("status").inner_text() == "已提交"
    number = page.url.rstrip("/").rsplit("/", 1)[-1]

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, reviewer)
    page.get_by_test_id("nav-workbench").click()
    page.get_by_test_id("queue-link").filter(has_text=number).click()
    page.get_by_test_id("claim").click()
    page.fill("textarea[name=comment]", "材料齐全，同意换证")
    shot("services-review")
    page.get_by_test_id("approve").click()
    assert page.get_by_test_id("status").inner_text() == "已办结"

    page.click("header form button:has-text('退出')")
    sign_in(page, live_server.url, citizen)
    page.goto(f"{live_server.url}/services/applications/{number}/")
    assert "已办结" in page.get_by_test_id("status").inner_text()
    assert "材料齐全，同意换证" in page.get_by_test_id("timeline").inner_text()
    page.get_by_test_id("result-credential").click()
    assert "机动车驾驶证" in page.content() and page.get_by_test_id("status").inner_text() == "有效"
    page.goto(live_server.url + "/wallet/")
    shot("services-wallet")
    assert page.get_by_test_id("credential-link").filter(has_text="机动车驾驶证").count() == 2  # the old licence and the renewed one
