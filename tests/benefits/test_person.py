"""The person's side, over the API: confirm the card (kept encrypted, shown masked) and be paid through
the payment platform with one idempotency key per entitlement — a retried transfer or a retried
notification pays once; decline; object (a 投诉 case with the evidence, decided by a person); and
nobody else's benefit can be touched."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client

from appeals.models import Case
from benefits import services
from benefits.models import Entitlement, Payout, ReviewItem
from core.usecases import SYSTEM
from identity.models import Notice, User
from payments import platform as payment_platform
from paysim.models import Notification, Trade
from portal import yardsticks
from tests.benefits.conftest import DAY, person
from tests.factories import UserFactory, api_as

CARD = "6222020200112233446"  # passes the Luhn check
NOTIFY = "/api/v1/benefits/payouts/notify/"


class Platform:
    """The simulator over Django's test client; its notifications wait here until delivered."""

    def __init__(self):
        self.client = Client()
        self.waiting: list[int] = []

    def call(self, method, path, body=None):
        from django.conf import settings

        response = self.client.generic(method, "/paysim" + path, json.dumps(body) if body is not None else "", content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Bearer {settings.QILU_PAYMENT_MERCHANT_KEY}")
        if response.status_code >= 300:
            raise payment_platform.PlatformError(f"{response.status_code} {response.content[:200]!r}")
        return response.json()

    def deliver(self, notification_id):
        from paysim.signing import signed_headers

        body = Notification.objects.get(pk=notification_id).body
        headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in signed_headers(body).items()}
        return self.client.post(NOTIFY, body, content_type="application/json", **headers)


@pytest.fixture
def simulator(monkeypatch, settings):
    settings.PAYSIM_ENABLED = True
    simulated = Platform()
    monkeypatch.setattr(payment_platform, "transport", simulated.call)
    monkeypatch.setattr("paysim.tasks.deliver.delay", lambda pk: simulated.waiting.append(pk))
    return simulated


@pytest.fixture
def entitled(published, policy):
    record = person(dt.date(1950, 6, 1), account=True)
    services.match_run(actor=SYSTEM, policy=policy, day=DAY)
    user = User.objects.get(id_number_index=record.id_number_index)
    return user, Entitlement.objects.get(user=user)


def test_confirming_pays_once_under_a_retried_transfer_and_a_retried_notification(entitled, simulator, run_on_commit_callbacks):
    user, entitlement = entitled
    client = api_as(user)

    answer = client.post(f"/api/v1/benefits/{entitlement.pk}/confirm/", {"account_number": CARD, "account_bank": "中国工商银行"}, format="json")

    assert answer.status_code == 200 and answer.json()["account"] == "**** 3446" and answer.json()["status"] == "confirmed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM benefits_entitlement WHERE id = %s", [entitlement.pk])
        assert CARD.encode() not in bytes(cursor.fetchone()[0])
    payout = Payout.objects.get()
    assert payout.number == f"BN{entitlement.pk:012d}" and payout.trade_no.startswith("SIT")
    services.payout_transfer(payout.pk)  # the task retried (a lost answer): the same number, the same transfer
    [trade] = Trade.objects.filter(out_trade_no=payout.number)
    assert (trade.kind, trade.amount_fen) == ("TRANSFER", 45000)
    first = simulator.waiting[0]
    Notification.objects.create(event_id="EVT-RESENT-WITH-A-NEW-ID", trade=trade, body=Notification.objects.get(pk=first).body
                                .replace(Notification.objects.get(pk=first).event_id, "EVT-RESENT-WITH-A-NEW-ID"))

    answers = [simulator.deliver(first), simulator.deliver(first), simulator.deliver(Notification.objects.get(event_id="EVT-RESENT-WITH-A-NEW-ID").pk)]

    assert [(r.status_code, r.json()["result"]) for r in answers] == [(200, "paid"), (200, "duplicate"), (200, "duplicate")]
    payout.refresh_from_db()
    assert payout.status == "paid" and Entitlement.objects.get().status == "paid"
    assert Notice.objects.filter(user=user, title__startswith="老年综合津贴 已发放 450.00").count() == 1
    assert client.get("/api/v1/benefits/").json()[0]["status_label"] == "已发放"
    assert yardsticks.compute().headline["benefits_without_application"] == 1  # the yardstick counts it once


def test_a_forged_notification_changes_nothing(entitled, simulator, run_on_commit_callbacks):
    user, entitlement = entitled
    api_as(user).post(f"/api/v1/benefits/{entitlement.pk}/confirm/", {"account_number": CARD, "account_bank": "工行"}, format="json")
    body = Notification.objects.get(pk=simulator.waiting[0]).body
    answer = simulator.client.post(NOTIFY, body, content_type="application/json", HTTP_PAYSIM_TIMESTAMP="1", HTTP_PAYSIM_NONCE="x",
                                   HTTP_PAYSIM_SIGNATURE="AAAA")
    assert answer.status_code == 401 and Payout.objects.get().status == "sent"


def test_a_bad_card_number_is_refused_in_words(entitled):
    user, entitlement = entitled
    answer = api_as(user).post(f"/api/v1/benefits/{entitlement.pk}/confirm/", {"account_number": "6222020200112233445", "account_bank": "工行"},
                               format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "bad_card_number" and not Payout.objects.exists()


def test_someone_elses_benefit_answers_404(entitled, other_api):
    _user, entitlement = entitled
    assert other_api.get(f"/api/v1/benefits/{entitlement.pk}/why/").status_code == 404
    assert other_api.post(f"/api/v1/benefits/{entitlement.pk}/decline/", format="json").status_code == 404
    assert Entitlement.objects.get().status == "notified"


def test_declining(entitled):
    user, entitlement = entitled
    answer = api_as(user).post(f"/api/v1/benefits/{entitlement.pk}/decline/", format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "declined"


def test_an_objection_opens_a_complaint_with_the_evidence_and_a_person_decides(entitled, publisher):
    user, entitlement = entitled
    client = api_as(user)
    why = client.get(f"/api/v1/benefits/{entitlement.pk}/why/").json()
    assert why["eligible"] and {"field": "年龄", "value": "76"} in why["facts"]

    answer = client.post(f"/api/v1/benefits/{entitlement.pk}/object/", {"reason": "我已年满80周岁，金额应为180元/月"}, format="json")

    assert answer.status_code == 200 and answer.json()["status"] == "objected"
    case = Case.objects.get()
    assert case.kind == "complaint" and "年龄 ≥ 65" in case.text and "我已年满80周岁" in case.text
    item = ReviewItem.objects.get()
    assert (item.reason, item.case_id) == ("objection", case.pk)
    services.review_decide(actor=publisher, item=item, outcome="reversed", note="核实出生日期后重新确认")
    assert Entitlement.objects.get().status == "notified" and Notice.objects.filter(user=user, body="核实出生日期后重新确认").exists()


def test_a_person_matched_before_they_had_an_account_finds_it_after_signing_up(published, policy):
    record = person(dt.date(1950, 6, 1))
    services.match_run(actor=SYSTEM, policy=policy, day=DAY)
    from tests.factories import UserFactory

    newcomer = UserFactory(id_number=record.id_number, id_number_index=record.id_number_index)
    client = api_as(newcomer)
    [mine] = client.get("/api/v1/benefits/").json()
    assert client.post(f"/api/v1/benefits/{mine['id']}/decline/", format="json").json()["status"] == "declined"
    assert Entitlement.objects.get().user == newcomer


def test_a_person_who_signs_up_after_the_match_finds_the_benefit_waiting_on_home_and_in_my_account(published, policy, client):
    """No notice reached them (no account when matched): the home's 待办 and 我的 still lead to it, until answered."""
    record = person(dt.date(1950, 6, 1))
    services.match_run(actor=SYSTEM, policy=policy, day=DAY)
    entitlement = Entitlement.objects.get()
    user = UserFactory(id_number=record.id_number, id_number_index=record.id_number_index)  # signs up afterwards
    client.force_login(user)
    home = client.get("/").content.decode()
    assert 'data-testid="waiting-benefit"' in home and f"/benefits/{entitlement.pk}/" in home and "老年综合津贴" in home
    User.objects.filter(pk=user.pk).update(elder_mode=True)
    assert 'data-testid="waiting-benefit"' in client.get("/").content.decode()  # 长辈版 shows what waits too
    assert "/benefits/" in client.get("/account/").content.decode()
    api_as(user).post(f"/api/v1/benefits/{entitlement.pk}/decline/", format="json")
    assert 'data-testid="waiting-benefit"' not in client.get("/").content.decode()
