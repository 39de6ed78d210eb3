"""免申即享 in a real browser on a 390 px phone: an older resident the state matched (no application)
opens 免申即享, reads why they qualify, confirms the card it is paid to, and is paid — the transfer goes
to the payment platform (the simulator, over HTTP) and its signed notification comes back; the page
then shows 已发放 and only the card's last four digits. The page check runs on every page seen."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from benefits.models import Entitlement, Payout
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def elder(live_server, settings):
    from benefits import services
    from core.usecases import SYSTEM
    from identity.models import User
    from tests.benefits.conftest import ELDERLY, person
    from tests.factories import UserFactory

    settings.QILU_PAYMENT_BASE_URL = settings.QILU_PAYMENT_NOTIFY_URL = settings.QILU_PUBLIC_URL = ""
    from benefits.models import Policy
    from identity.models import Department

    department = Department.objects.create(code="SD-MZT", name="山东省民政厅", area_code="370000")
    policy = Policy.objects.create(code=ELDERLY["code"], name=ELDERLY["name"], department=department, legal_basis=ELDERLY["legal_basis"])
    drafter, publisher = UserFactory(is_superuser=True, is_staff=True), UserFactory(is_superuser=True, is_staff=True)
    version = services.version_draft(actor=drafter, policy=policy, rule=ELDERLY["rule"], fields=ELDERLY["fields"], benefit_text=ELDERLY["benefit_text"],
                                     impact_assessment=ELDERLY["impact_assessment"], monthly_amount=ELDERLY["monthly_amount"], period=ELDERLY["period"])
    services.version_publish(actor=publisher, version=version)
    record = person(dt.date(1950, 6, 1), account=True)
    services.match_run(actor=SYSTEM, policy=policy)
    return User.objects.get(id_number_index=record.id_number_index)


def test_an_elder_confirms_the_card_and_is_paid_without_applying(live_server, page, elder, shot):
    url = live_server.url
    sign_in(page, url, elder.id_number)
    page.goto(url + "/benefits/")
    page.click("[data-testid=my-benefits] a")
    page.wait_for_url(re.compile(r".*/benefits/\d+/$"))
    assert "✓ 符合：年龄 ≥ 65" in page.inner_text("[data-testid=why]")
    page.fill("#account_bank", "中国工商银行")
    page.fill("#account_number", "6222 0202 0011 2233 446")
    shot("benefit-confirm")
    with page.expect_navigation():
        page.click("[data-testid=confirm-form] button[type=submit]")
    payout = Payout.objects.get()
    for _ in range(50):  # the platform's notification is on its way (a task, then an HTTP POST to us)
        payout.refresh_from_db()
        if payout.status == "paid":
            break
        page.wait_for_timeout(100)
    page.reload()
    assert page.inner_text("[data-testid=status]") == "已发放" and Entitlement.objects.get().status == "paid"
    assert page.inner_text("[data-testid=account]") == "中国工商银行 **** 3446" and "6222" not in page.content()
    shot("benefit-paid")
    page.goto(url + "/benefits/why/LN-ZHJT/")
    assert "为什么我符合" in page.inner_text("[data-testid=why]")
