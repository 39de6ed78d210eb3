"""The trust-list import fetches another province's key set without reaching inside our network: the
host is resolved once, every address checked, and the connection goes to exactly the checked address
(no DNS-rebinding window), with the name as Host and TLS server name; ``https://`` is required unless
the host is on ``QILU_TRUST_LIST_ALLOWED_HOSTS``. Driven with a fake resolver."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import outbound
from core.usecases import SYSTEM
from healthcode import services
from healthcode.models import TrustedIssuer

pytestmark = pytest.mark.django_db


class FakeResolver:
    """Answers a public address first and a loopback one afterwards — what a rebinding DNS server does."""

    def __init__(self, *answers: str):
        self.answers, self.calls = list(answers), []

    def __call__(self, host, port, *args, **kwargs):
        self.calls.append(host)
        address = self.answers[min(len(self.calls), len(self.answers)) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]


@pytest.fixture
def connections(monkeypatch):
    """Where the fetch connects; no connection succeeds (the network is closed here)."""
    seen = []

    def create_connection(address, timeout=None, *args, **kwargs):
        seen.append(address)
        raise ConnectionRefusedError("closed network")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return seen


def _import(url: str):
    now = timezone.now()
    return services.trusted_issuer_import(actor=SYSTEM, issuer_id="CN-35", name="福建省", url=url, valid_from=now,
                                          valid_until=now + dt.timedelta(days=1))


def test_the_connection_goes_to_the_address_that_was_checked_once(monkeypatch, connections, settings):
    settings.QILU_TRUST_LIST_ALLOWED_HOSTS = []
    resolver = FakeResolver("93.184.216.34", "127.0.0.1")
    monkeypatch.setattr(outbound, "resolve", resolver)
    with pytest.raises(ValidationError) as refused:
        _import("https://keys.fujian.example/jwks.json")
    assert resolver.calls == ["keys.fujian.example"]  # one lookup
    assert connections == [("93.184.216.34", 443)]  # to the checked address, never the rebound one
    assert "url" in refused.value.message_dict and not TrustedIssuer.objects.exists()


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"])
def test_an_internal_address_is_refused_before_connecting(monkeypatch, connections, settings, address):
    settings.QILU_TRUST_LIST_ALLOWED_HOSTS = []
    monkeypatch.setattr(outbound, "resolve", FakeResolver(address))
    with pytest.raises(ValidationError) as refused:
        _import("https://keys.fujian.example/jwks.json")
    assert refused.value.message_dict["url"] and connections == []


def test_plain_http_is_refused_unless_the_host_is_allow_listed(monkeypatch, connections, settings):
    settings.QILU_TRUST_LIST_ALLOWED_HOSTS = ["keys.intranet.example"]
    monkeypatch.setattr(outbound, "resolve", FakeResolver("93.184.216.34"))
    with pytest.raises(ValidationError):
        _import("http://keys.fujian.example/jwks.json")
    assert connections == []
    with pytest.raises(ValidationError):  # allowed: fetched (here the closed network refuses it)
        _import("http://keys.intranet.example/jwks.json")
    assert connections == [("93.184.216.34", 80)]


@pytest.mark.parametrize("url", ["ftp://keys.fujian.example/jwks.json", "file:///etc/passwd", "", "keys.fujian.example/jwks.json"])
def test_other_schemes_are_refused(monkeypatch, connections, url):
    monkeypatch.setattr(outbound, "resolve", FakeResolver("93.184.216.34"))
    with pytest.raises(ValidationError):
        _import(url)
    assert connections == []


def test_tls_names_the_host_while_connecting_to_the_pinned_address(monkeypatch):
    """SNI and certificate checking use the URL's name; the TCP connection uses the checked address."""
    monkeypatch.setattr(outbound, "resolve", FakeResolver("93.184.216.34"))
    wrapped = {}

    class FakeContext:
        def wrap_socket(self, sock, server_hostname):
            wrapped["server_hostname"] = server_hostname
            raise ConnectionResetError("no TLS here")

    class FakeSocket:
        def close(self):
            pass

    def create_connection(address, timeout=None, *args, **kwargs):
        wrapped["address"] = address
        return FakeSocket()

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(outbound.ssl, "create_default_context", FakeContext)
    with pytest.raises(ValidationError):
        outbound.fetch("https://keys.fujian.example:8443/jwks.json", allowed_hosts=[])
    assert wrapped == {"address": ("93.184.216.34", 8443), "server_hostname": "keys.fujian.example"}


def test_the_admin_form_shows_a_refused_url_on_its_field_not_a_500(client, monkeypatch, settings, connections):
    from tests.factories import UserFactory, sign_in_with_second_factor

    settings.QILU_TRUST_LIST_ALLOWED_HOSTS = []
    monkeypatch.setattr(outbound, "resolve", FakeResolver("10.0.0.1"))
    officer = UserFactory(name="孙静", roles=["health_officer"], is_staff=True)
    sign_in_with_second_factor(client, officer)
    now = timezone.localtime()
    answer = client.post("/admin/healthcode/trustedissuer/add/", {
        "issuer_id": "CN-35", "name": "福建省", "source_url": "https://keys.fujian.example/jwks.json",
        "valid_from_0": now.strftime("%Y-%m-%d"), "valid_from_1": "00:00:00",
        "valid_until_0": (now + dt.timedelta(days=30)).strftime("%Y-%m-%d"), "valid_until_1": "00:00:00", "is_active": "on"})
    assert answer.status_code == 200
    assert "errorlist" in answer.content.decode() and not TrustedIssuer.objects.exists()
