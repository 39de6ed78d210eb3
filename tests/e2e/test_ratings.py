"""好差评 in a real browser, on the demo data: 张三 rates a rejected application 不满意; the reviewer
(signed in with the authenticator code) calls him back and answers in 差评整改; 张三 reads the answer
and rates once more; the public board ranks the department."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from services.models import Application, Rectification
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", "--citizens", "0", "--quiet")
    from portal.management.commands.seed_demo import DEMO_PEOPLE, PASSWORD

    return {key: number for key, _name, number, _phone, _role in DEMO_PEOPLE}, PASSWORD


def test_a_bad_rating_is_called_back_answered_and_rated_again(live_server, page, demo, shot, browser):
    from identity.models import User, id_number_index
    from services.services.workflow import application_claim, application_review

    numbers, password = demo
    url = live_server.url
    reviewer = User.objects.get(id_number_index=id_number_index(numbers["reviewer"]))
    application = Application.objects.get(applicant__id_number_index=id_number_index(numbers["citizen"]), item__code="GA-002")
    application = application_claim(actor=reviewer, application=application)
    application_review(actor=reviewer, application=application, action="reject", comment="遗失声明不完整")

    sign_in(page, url, numbers["citizen"], password)
    page.goto(url + f"/services/applications/{application.number}/")
    form = page.locator("[data-testid=rating-form-rate]")
    form.locator("input[name=level][value='2']").check()
    form.locator("input[name=tags][value='many_trips']").check()
    form.locator("textarea[name=comment]").fill("材料要求前后不一致")
    shot("rating-form")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=my-level]") == "不满意"
    assert "待回访" in page.inner_text("[data-testid=case-status]")
    case = Rectification.objects.get(rating__application=application)

    desk = browser.new_page()
    browser.clear_cookies()
    sign_in(desk, url, numbers["reviewer"], password)
    desk.goto(url + "/services/rectifications/")
    row = desk.locator(f"tr[data-case='{case.pk}']")
    row.locator("textarea[name=note]").fill("已电话回访，解释遗失声明的要求")
    row.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    row = desk.locator(f"tr[data-case='{case.pk}']")
    row.locator("textarea[name=reply]").fill("已在办事指南中补充遗失声明样例")
    row.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    assert "已整改" in desk.inner_text(f"tr[data-case='{case.pk}']")
    desk.close()

    browser.clear_cookies()
    sign_in(page, url, numbers["citizen"], password)
    page.goto(url + f"/services/applications/{application.number}/")
    assert "已在办事指南中补充遗失声明样例" in page.inner_text("[data-testid=case-reply]")
    again = page.locator("[data-testid=rating-form-rerate]")
    again.locator("input[name=level][value='4']").check()
    again.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "满意" in page.inner_text("[data-testid=rating]") and page.locator("[data-testid=rating-form-rerate]").count() == 0
    shot("rating-answered")

    page.goto(url + "/services/ratings/")
    ranking = page.inner_text("[data-testid=department-ranking]")
    assert "山东省公安厅" in ranking
    assert re.search(r"驾驶证", page.inner_text("[data-testid=item-scores]"))
