"""Forwarded headers are believed only from the proxies the trusted-proxy setting names: ``/metrics``'
allow-list, allauth's rate limits and the audit rows read the client address ``core.middleware``
resolved, and gunicorn's ``forwarded_allow_ips`` comes from the same setting (empty without a proxy).
A client reaching the app directly cannot call itself 127.0.0.1."""

import runpy
from pathlib import Path

import pytest
from django.test import override_settings

from portal.proxies import trusted_proxies

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
pytestmark = pytest.mark.django_db


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, QILU_TRUSTED_PROXY_IPS=["127.0.0.1"], QILU_METRICS_ALLOWED_IPS=["127.0.0.1"])
def test_a_direct_request_forging_x_forwarded_for_does_not_reach_metrics(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code in (403, 404)


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, QILU_TRUSTED_PROXY_IPS=["127.0.0.1"], QILU_METRICS_ALLOWED_IPS=["10.9.0.5"])
def test_metrics_allows_the_monitoring_address_as_the_proxy_saw_it_not_the_proxys_own(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.0.5").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 403


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0, QILU_TRUSTED_PROXY_IPS=[], QILU_METRICS_ALLOWED_IPS=["127.0.0.1"])
def test_without_a_proxy_the_header_means_nothing(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, QILU_TRUSTED_PROXY_IPS=["127.0.0.1"])
def test_allauths_rate_limits_count_the_resolved_address_not_a_forged_one(rf):
    from allauth.account.adapter import get_adapter

    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert get_adapter().get_client_ip(request) == "203.0.113.9"


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, ""),
    ({"QILU_TRUSTED_PROXY_COUNT": "0", "QILU_TRUSTED_PROXY_IPS": "10.0.0.1"}, ""),
    ({"QILU_TRUSTED_PROXY_COUNT": "1"}, "127.0.0.1,::1"),
    ({"QILU_TRUSTED_PROXY_COUNT": "1", "QILU_TRUSTED_PROXY_IPS": "10.0.0.1, 10.0.0.2"}, "10.0.0.1,10.0.0.2"),
])
def test_gunicorn_believes_forwarded_headers_only_from_the_trusted_proxies(monkeypatch, environ, expected):
    for name in ("QILU_TRUSTED_PROXY_COUNT", "QILU_TRUSTED_PROXY_IPS", "GUNICORN_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert runpy.run_path(str(GUNICORN_CONF))["forwarded_allow_ips"] == expected
    assert ",".join(trusted_proxies(environ)) == expected
