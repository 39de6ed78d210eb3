"""Token Status List reading (credentials/openid/statuslist.py) at its edges: an index outside the list,
a list about another URI, the second it expires (by the verifier's clock or the one it is given), the
entry width the list declares, and the memo of opened lists that stays bounded. Every failure is the
one refusal `status_unavailable`. Written against the mutants `make mutation` found surviving."""

from __future__ import annotations

import json
import zlib

import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from credentials.openid import sdjwt, statuslist

URI = "https://issuer.example/status-lists/1"
NOW = 1_800_000_000


@pytest.fixture(autouse=True)
def signing_key():
    """None here: the credentials conftest makes a signing key in the database for every test; these need none."""


@pytest.fixture(scope="module")
def key():
    return ECKey.generate_key("P-256")


@pytest.fixture(autouse=True)
def _fresh_memo():
    statuslist._opened.clear()
    yield
    statuslist._opened.clear()


def _signed(key, values: dict[int, int], *, size=16, bits=2, sub=URI, exp=NOW + 60, declare_bits=True) -> str:
    status_list = {"lst": sdjwt.b64url(statuslist.encode(values, size=size, bits=bits))}
    if declare_bits:
        status_list["bits"] = bits
    claims = {"sub": sub, "iat": NOW - 10, "exp": exp, "status_list": status_list}
    return jws.serialize_compact({"alg": "ES256", "kid": "s1", "typ": statuslist.TYPE}, json.dumps(claims).encode(), key)


def _keys(key):
    return {"s1": ECKey.import_key(key.as_dict(private=False))}


def _refused(token, key, **options) -> str:
    with pytest.raises(sdjwt.SdJwtRejected) as refused:
        statuslist.read(token, **{"uri": URI, "index": 0, "keys": _keys(key), "now": NOW, **options})
    return refused.value.reason


@pytest.mark.parametrize("index", [-1, -4, 16, 17, 1.5, "1"])
def test_an_index_outside_the_list_is_an_index_error(index):
    packed = statuslist.encode({0: 1, 15: 3}, size=16)
    with pytest.raises(IndexError):
        statuslist.decode(packed, index)


def test_the_first_and_last_entries_are_read():
    packed = statuslist.encode({0: statuslist.INVALID, 15: statuslist.SUPERSEDED}, size=16)
    assert [statuslist.decode(packed, i) for i in (0, 1, 14, 15)] == [1, 0, 0, 3]
    assert len(zlib.decompress(packed)) == 4  # 16 two-bit entries in four bytes


def test_one_bit_lists_are_read_at_the_width_they_declare(key):
    token = _signed(key, {3: 1}, size=16, bits=1)
    assert [statuslist.read(token, uri=URI, index=i, keys=_keys(key), now=NOW) for i in range(5)] == [0, 0, 0, 1, 0]


def test_a_list_that_declares_no_width_is_read_two_bits_an_entry(key):
    token = _signed(key, {1: statuslist.SUSPENDED, 2: statuslist.SUPERSEDED}, declare_bits=False)
    assert [statuslist.read(token, uri=URI, index=i, keys=_keys(key), now=NOW) for i in range(4)] == [0, 2, 3, 0]


def test_a_list_about_another_uri_is_refused(key):
    token = _signed(key, {0: 1}, sub="https://issuer.example/status-lists/2")
    assert _refused(token, key) == "status_unavailable"


def test_a_list_is_read_until_the_second_it_expires_by_the_clock_given(key, monkeypatch):
    token = _signed(key, {0: 1}, exp=NOW + 60)
    assert statuslist.read(token, uri=URI, index=0, keys=_keys(key), now=NOW + 59) == 1
    assert _refused(token, key, now=NOW + 60) == "status_unavailable"
    monkeypatch.setattr(statuslist.time, "time", lambda: NOW + 3600)  # the given clock wins over the machine's
    assert statuslist.read(token, uri=URI, index=0, keys=_keys(key), now=NOW) == 1
    monkeypatch.setattr(statuslist.time, "time", lambda: NOW)
    assert statuslist.read(token, uri=URI, index=0, keys=_keys(key)) == 1
    assert _refused(token, key, now=NOW + 61) == "status_unavailable"


def test_an_expired_list_is_refused_by_the_machines_clock_without_one_given(key, monkeypatch):
    token = _signed(key, {0: 1}, exp=NOW + 60)
    monkeypatch.setattr(statuslist.time, "time", lambda: NOW + 60)
    with pytest.raises(sdjwt.SdJwtRejected, match="^status_unavailable$"):
        statuslist.read(token, uri=URI, index=0, keys=_keys(key))


@pytest.mark.parametrize("index", [-1, 16, "0"])
def test_an_index_outside_a_signed_list_is_unavailable(key, index):
    assert _refused(_signed(key, {0: 1}), key, index=index) == "status_unavailable"


def test_a_list_signed_by_another_key_or_of_another_type_is_unavailable(key):
    assert _refused(_signed(ECKey.generate_key("P-256"), {0: 1}), key) == "status_unavailable"
    other_type = jws.serialize_compact({"alg": "ES256", "kid": "s1", "typ": "JWT"}, json.dumps({"sub": URI, "exp": NOW + 60}).encode(), key)
    assert _refused(other_type, key) == "status_unavailable"
    assert _refused("not a token", key) == "status_unavailable"


def test_the_memo_of_opened_lists_keeps_the_latest_sixty_four(key):
    tokens = [_signed(key, {i % 16: 1}, exp=NOW + 60 + i) for i in range(statuslist._OPENED_MAX + 6)]
    for i, token in enumerate(tokens):
        assert statuslist.read(token, uri=URI, index=i % 16, keys=_keys(key), now=NOW) == 1
    assert len(statuslist._opened) == statuslist._OPENED_MAX == 64
    remembered = {memo[0] for memo in statuslist._opened}  # (token, accepted algorithms, the keys that verified it)
    assert remembered == set(tokens[6:])  # the oldest went first
