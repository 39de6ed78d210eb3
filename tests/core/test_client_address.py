"""Behind the trusted proxy, audit rows carry the client's address — the one allauth's sign-in rate
limits use — and addresses a client writes into X-Forwarded-For itself are ignored."""

import pytest
from django.test import override_settings

from identity.models import AuditEvent, Notice


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    Notice.objects.create(user=citizen, kind="x", title="unread")
    return client


def _audited_address(client, **headers):
    client.post("/api/v1/me/notices/0/read/", content_type="application/json", REMOTE_ADDR="10.0.0.2", **headers)
    return AuditEvent.objects.get(action="notices_read").source_ip


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, QILU_TRUSTED_PROXY_IPS=["10.0.0.2"])
def test_behind_one_proxy_the_address_it_saw_is_recorded_not_the_proxys_or_a_forged_one(signed_in):
    assert _audited_address(signed_in, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7") == "203.0.113.7"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0, QILU_TRUSTED_PROXY_IPS=[])
def test_without_a_trusted_proxy_the_header_is_ignored(signed_in):
    assert _audited_address(signed_in, HTTP_X_FORWARDED_FOR="203.0.113.7") == "10.0.0.2"
