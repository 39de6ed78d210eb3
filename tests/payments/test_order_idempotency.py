"""A fee order is keyed by its reference (``core.idempotency``): opening it again answers the one live
order and writes nothing; an order for nothing is a programming error, not a domain answer."""

from __future__ import annotations

import pytest

from identity.models import AuditEvent
from payments.models import Order
from payments.services import order_open


def test_a_fee_order_is_one_per_reference_however_often_it_is_opened(holder):
    first = order_open(actor=holder, purpose="application", reference="QL-1", amount_fen=1000, description="工本费")
    again = order_open(actor=holder, purpose="application", reference="QL-1", amount_fen=1000, description="工本费")
    assert first.pk == again.pk and Order.objects.count() == 1
    assert AuditEvent.objects.filter(action="payment", detail__step="opened").count() == 1  # a repeat changes nothing and writes nothing


@pytest.mark.parametrize("amount", [0, -1])
def test_an_order_for_nothing_is_a_programming_error(holder, amount):
    with pytest.raises(ValueError):
        order_open(actor=holder, purpose="application", reference="QL-2", amount_fen=amount, description="")
