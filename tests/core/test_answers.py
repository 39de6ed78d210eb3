"""core.answers (issue 25): a hot view's answer written as the bytes DRF's JSONRenderer writes, and a
datetime as a DateTimeField represents it — compared here with DRF's own, so a plain answer can never
drift from what ``Response`` and the serializers would have sent."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from core.answers import datetime_text, respond


@pytest.mark.parametrize("value", [dt.datetime(2026, 12, 6, 8, 0, 1, 250, tzinfo=dt.UTC),
                                   dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))), dt.datetime(2026, 12, 6, 8, 0)])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_plain_datetime_is_the_fields(value, zone):
    with timezone.override(zone):
        assert datetime_text(value) == serializers.DateTimeField().to_representation(value)


@pytest.mark.parametrize("status", [200, 201])
def test_the_plain_bytes_are_the_json_renderers(status):
    data = {"holder_name": "张*\u2028", "fields": [{"label": "准驾车型 \"C1\"\u2029", "value": None}], "valid": True, "n": 1.5}
    answer = respond(SimpleNamespace(accepted_renderer=JSONRenderer(), accepted_media_type="application/json"), data, status=status)
    assert answer.content == JSONRenderer().render(data, "application/json", {})
    assert (answer.status_code, answer["Content-Type"]) == (status, "application/json")


def test_any_other_negotiated_form_is_a_response():
    for renderer, media_type in ((JSONRenderer(), "application/json; indent=4"), (BrowsableAPIRenderer(), "text/html")):
        answer = respond(SimpleNamespace(accepted_renderer=renderer, accepted_media_type=media_type), {"ok": True}, status=201)
        assert isinstance(answer, Response) and answer.status_code == 201
