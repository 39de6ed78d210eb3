"""A strict Content-Security-Policy on every page: scripts and styles from our own origin only."""

import pytest

PAGES = ["/", "/services/", "/api/docs/", "/wallet/", "/account/", "/services/applications/"]  # the browser tests watch the rest


@pytest.mark.parametrize(("url", "signed_in"), [(url, True) for url in PAGES] + [("/accounts/login/", False), ("/", False)])
def test_every_page_carries_a_policy_with_no_inline_script_or_style(client, citizen, url, signed_in):
    if signed_in:
        client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    body = response.content.decode()
    assert "<script>" not in body and " style=\"" not in body  # no inline script, no inline style attribute
