"""Actors and a case builder for the cases' tests: two departments, a dispatcher, a handler of each
department, a window clerk, a reporter; a settable clock (``clock.at(...)``); ``make_case`` puts a
case straight into any state, as the transition table's test needs."""

import datetime as dt

import pytest
from django.utils import timezone

from appeals.models import Case, Status
from identity.models import Department
from tests.factories import UserFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class Clock:
    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def at(self, *args) -> dt.datetime:
        self.now = dt.datetime(*args, tzinfo=SHANGHAI) if not isinstance(args[0], dt.datetime) else args[0]
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def dept(db):
    return Department.objects.create(code="T-GAT", name="测试公安局", area_code="370100")


@pytest.fixture
def other_dept(db):
    return Department.objects.create(code="T-ZJJ", name="测试住建局", area_code="370100")


@pytest.fixture
def dispatcher(db):
    return UserFactory(name="王派单", roles=["dispatcher"])


@pytest.fixture
def handler(dept):
    return UserFactory(name="陈办理", roles=["reviewer"], department=dept)


@pytest.fixture
def other_handler(other_dept):
    return UserFactory(name="周别部", roles=["reviewer"], department=other_dept)


@pytest.fixture
def clerk(dept):
    return UserFactory(name="赵窗口", roles=["clerk"], department=dept)


@pytest.fixture
def reporter(db):
    return UserFactory(name="张三", roles=["citizen"], phone_number="13800000201")


_numbers = iter(range(10**6))


@pytest.fixture
def make_case(dept, reporter):
    def make(status=Status.NEW, **fields):
        now = timezone.now()
        values = {
            "number": f"SQT{next(_numbers):08d}", "kind": "complaint", "channel": "app", "title": "路灯不亮", "text": "小区门口路灯坏了一个月",
            "status": status, "reporter": reporter, "contact_phone": "13800000201", "created_at": now,
        }
        if status != Status.NEW:
            values |= {"department": dept, "dispatched_at": now, "return_due": now + dt.timedelta(days=2),
                       "reply_due": now + dt.timedelta(days=7), "yellow_at": now + dt.timedelta(days=6)}
        if status == Status.SUSPENDED:
            values["suspended_at"] = now
        if status in (Status.REPLIED, Status.CLOSED):
            values["replied_at"] = now
        values |= fields
        return Case.objects.create(**values)
    return make
