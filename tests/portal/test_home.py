"""The signed-in home: each thing that waits for the person is a card with its action (补正 requested,
a fee to pay, a rating invited, an appeal decided, a credential expiring within 30 days), beside the
shortcuts and the search; the anonymous home stays the welcome; 长辈版 keeps its four big tasks. A step the
applicant took is a receipt in 消息, not an unread notice: the badge counts only what others did."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from credentials.models import Credential, issuer_record_index
from healthcode.demo import default_ruleset
from healthcode.services import appeal_decide, appeal_submit
from identity.roles import sync_roles
from services.models import ItemVersion, ServiceItem
from tests.factories import PopulationRecordFactory, UserFactory
from tests.services.conftest import catalogue, holder, holder_api, issue, reviewer, reviewer_api  # noqa: F401 — fixtures
from tests.services.test_lifecycle import apply

pytestmark = pytest.mark.django_db


def _card(page: str, kind: str) -> str:
    start = page.index(f'data-testid="waiting-{kind}"')
    return page[start:page.index("</li>", start)]


def test_the_home_shows_each_kind_of_waiting_with_its_action(client, holder, holder_api, reviewer_api, catalogue):  # noqa: F811
    # 补正 requested
    supplement = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()["number"]
    reviewer_api.post(f"/api/v1/workbench/{supplement}/claim/", {}, format="json")
    reviewer_api.post(f"/api/v1/workbench/{supplement}/supplement/", {"comment": "请上传身体条件证明"}, format="json")
    # a rating invited: a decided application not rated yet
    rejected = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    reviewer_api.post(f"/api/v1/workbench/{rejected}/claim/", {}, format="json")
    reviewer_api.post(f"/api/v1/workbench/{rejected}/reject/", {"comment": "材料不符"}, format="json")
    # a fee to pay
    item = ServiceItem.objects.get(code="GA-002")
    ItemVersion.objects.filter(pk=item.current_version_id).update(fee_fen=1000, fees="工本费10元")
    cache.clear()  # the item as applying reads it is cached per catalogue stamp, which a queryset update does not move
    fee = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    # an appeal decided
    sync_roles()
    default_ruleset()
    PopulationRecordFactory(id_number=holder.id_number, id_number_index=holder.id_number_index, name=holder.name, area_code="370102")
    officer = UserFactory(roles=["health_officer"])
    appeal_decide(actor=officer, appeal=appeal_submit(actor=holder, reason="已完成核酸检测"), uphold=False, note="检测结果未上传")
    # a credential expiring in 10 days (and one in 40, which does not wait yet)
    soon = Credential.objects.get(issuer_record_index=issuer_record_index("DL-1"))
    Credential.objects.filter(pk=soon.pk).update(expires_on=timezone.localdate() + dt.timedelta(days=10))
    Credential.objects.filter(issuer_record_index=issuer_record_index("VL-1")).update(expires_on=timezone.localdate() + dt.timedelta(days=40))

    client.force_login(holder)
    page = client.get("/").content.decode()

    assert 'data-testid="home-signed-in"' in page and "进入我的账户" not in page
    assert "请上传身体条件证明" in _card(page, "supplement") and f'href="/services/applications/{supplement}/"' in _card(page, "supplement")
    assert "去补正" in _card(page, "supplement")
    assert "去缴费" in _card(page, "payment") and f'href="/services/applications/{fee}/"' in _card(page, "payment")
    assert "去评价" in _card(page, "rating") and f'href="/services/applications/{rejected}/#rating"' in _card(page, "rating")
    assert "申诉不成立" in _card(page, "appeal") and "检测结果未上传" in _card(page, "appeal") and 'href="/health/"' in _card(page, "appeal")
    assert "机动车驾驶证" in _card(page, "expiring") and f'href="/wallet/{soon.identifier}/"' in _card(page, "expiring")
    assert page.count('data-testid="waiting-expiring"') == 1
    for shortcut in ("shortcut-wallet", "shortcut-health", "shortcut-applications", "shortcut-messages", "home-search", "popular-items"):
        assert f'data-testid="{shortcut}"' in page


def test_rating_leaves_the_home_once_given(client, holder, holder_api, reviewer_api):  # noqa: F811
    number = apply(holder_api, "GA-002", reason="丢失", delivery_address="x").json()["number"]
    reviewer_api.post(f"/api/v1/workbench/{number}/claim/", {}, format="json")
    reviewer_api.post(f"/api/v1/workbench/{number}/reject/", {"comment": "材料不符"}, format="json")
    holder_api.post(f"/api/v1/applications/{number}/rating/", {"level": 5}, format="json")
    client.force_login(holder)
    page = client.get("/").content.decode()
    assert 'data-testid="waiting-rating"' not in page and 'data-testid="waiting-none"' in page


def test_the_anonymous_home_is_the_welcome(client):
    page = client.get("/").content.decode()
    assert 'data-testid="tile-wallet"' in page and "实名注册" in page and 'data-testid="home-signed-in"' not in page


def test_elder_mode_keeps_its_four_big_tasks(client, citizen):
    citizen.elder_mode = True
    citizen.save(update_fields=["elder_mode"])
    client.force_login(citizen)
    page = client.get("/").content.decode()
    assert all(f'data-testid="elder-task-{task}"' in page for task in ("health", "wallet", "applications", "popular"))
    assert 'data-testid="elder-call"' in page and 'data-testid="home-signed-in"' not in page
    assert 'data-testid="ask-form"' in page  # 智能问答 is there for elders too
    assert 'data-testid="waiting-none"' in page  # what waits shows under the four tasks too


def test_a_step_the_applicant_took_is_a_receipt_and_a_reviewers_step_is_news(client, holder, holder_api, reviewer_api,  # noqa: F811
                                                                              django_capture_on_commit_callbacks):
    from identity.models import Notice
    from identity.services import notice_mark_read

    notice_mark_read(actor=holder)  # the wallet's "new credential" notices, read
    with django_capture_on_commit_callbacks(execute=True):
        number = apply(holder_api, "GA-001", delivery_address="济南市历下区泉城路100号").json()["number"]
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_api.post(f"/api/v1/workbench/{number}/claim/", {}, format="json")
        reviewer_api.post(f"/api/v1/workbench/{number}/supplement/", {"comment": "请上传身体条件证明"}, format="json")
    notices = list(Notice.objects.filter(user=holder, kind="application").order_by("created_at", "id").values_list("body", "read_at"))
    assert [(body, read_at is not None) for body, read_at in notices] == [("", True), ("请上传身体条件证明", False)]
    client.force_login(holder)
    assert 'aria-label="消息，1 条未读"' in client.get("/").content.decode()
