"""亮证 and its scan are resolved before every other URL pattern (issue 25: URL resolution walked ~19
resolvers before the wallet API), at the same paths and names."""

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse

from credentials.api import views

HOT = [("/api/v1/wallet/abc123/presentations/", "api-wallet-present", views.PresentationApi),
       ("/api/v1/verifications/", "api-verify", views.VerifyApi)]


@pytest.mark.parametrize(("url", "name", "view"), HOT)
def test_a_hot_route_is_among_the_first_patterns_tried(url, name, view):
    match = resolve(url)
    assert match.url_name == name and match.func.view_class is view
    first = get_resolver().url_patterns[:3]  # home, the health pass's API, these
    assert any(_matches(pattern, url.lstrip("/")) for pattern in first)


def _matches(pattern, path):
    try:
        return pattern.resolve(path) is not None
    except Resolver404:
        return False


def test_the_paths_and_names_are_unchanged():
    assert reverse("api-wallet-present", kwargs={"identifier": "abc123"}) == HOT[0][0]
    assert reverse("api-verify") == HOT[1][0]
