"""``core.parsers.json_data``, the checkpoint's plain read of a JSON body, gives what DRF's
``request.data`` gives (through ``core.parsers.JSONParser``) for every body: the same value, or the same
error with the same words — a plain body, a deep one, NaN, a NUL, a BOM, bad UTF-8, an empty body, a
charset parameter, another media type — and ``request.data`` afterwards is that same value."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser
from rest_framework.request import Request

from core.parsers import JSONParser, json_data

BODIES = [
    b'{"payload": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "place": "\xe6\xb5\x8e\xe5\x8d\x97"}',
    b'{"payload": 12, "nested": {"a": [1, 2.5, null, true]}}',
    b"[1, 2, 3]",
    b'"just a string"',
    b"[" * 70 + b"]" * 70,
    b'{"payload": NaN}',
    b'{"payload": Infinity}',
    b'{"payload": "a\\u0000b"}',
    b'{"a\\u0000": 1}',
    b"\xef\xbb\xbf{}",
    b'{"payload": "\xff\xfe"}',
    b"{not json",
    b"",
    b"  ",
]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain"]


def _request(body: bytes, content_type: str, parsers=None) -> Request:
    django_request = RequestFactory().post("/api/v1/health/checks/", data=body, content_type=content_type)
    return Request(django_request, parsers=parsers or [JSONParser()], parser_context={"view": None, "args": (), "kwargs": {}})


def _outcome(read):
    try:
        return "value", read()
    except APIException as exc:
        return type(exc).__name__, str(exc.detail), exc.get_codes()


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("body", BODIES)
def test_the_plain_read_answers_what_drf_answers(body, content_type):
    through_drf = _request(body, content_type)
    expected, expected_after = _outcome(lambda: through_drf.data), _outcome(lambda: through_drf.data)  # after an error: DRF's empty data
    request = _request(body, content_type)
    assert _outcome(lambda: json_data(request)) == expected
    assert _outcome(lambda: request.data) == expected_after


def test_a_view_with_other_parsers_reads_through_drf(monkeypatch):
    parsed = []
    monkeypatch.setattr(JSONParser, "parse", lambda self, *args, **kwargs: parsed.append(1) or {"a": 1})
    request = _request(b'{"a": 1}', "application/json", parsers=[JSONParser(), FormParser()])
    assert json_data(request) == {"a": 1} and parsed == [1]


def test_a_plain_json_body_is_read_without_drf_s_parser(monkeypatch):
    # DRF's Request starts with ``_full_data`` set (to Empty): the plain read must not take that for "read already"
    monkeypatch.setattr(JSONParser, "parse", lambda *args, **kwargs: pytest.fail("read through DRF's parser"))
    request = _request(b'{"payload": "x"}', "application/json")
    assert json_data(request) == {"payload": "x"}


def test_the_plain_read_keeps_what_it_read_for_later_readers():
    request = _request(b'{"payload": "x"}', "application/json")
    first = json_data(request)
    assert first == {"payload": "x"} and request.data is first and json_data(request) is first and not request.FILES


def test_a_plain_json_body_is_read_without_drfs_parser(monkeypatch):
    request = _request(b'{"payload": "x"}', "application/json")
    monkeypatch.setattr(request, "_load_data_and_files", lambda: pytest.fail("read through DRF's parser"))
    assert json_data(request) == {"payload": "x"}
