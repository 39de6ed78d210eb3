"""亮证, its scan and the health pass are resolved before every other URL pattern (issue 25: URL resolution walked ~19
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


@pytest.mark.parametrize(("url", "name"), [*((url, name) for url, name, _view in HOT),
                                           ("/api/v1/health/pass/", "api-health-pass"), ("/api/v1/health/checks/", "api-health-check")])
def test_a_hot_route_is_found_after_trying_at_most_five_patterns(url, name, monkeypatch):
    """Each pattern tried costs every request of the route: the health pass's routes sit under their own
    prefix, so 亮证 and its scan are not walked through them, and its two hottest come first."""
    from django.urls.resolvers import RoutePattern

    tried = []
    match = RoutePattern.match
    monkeypatch.setattr(RoutePattern, "match", lambda self, path: tried.append(self) or match(self, path))
    assert resolve(url).url_name == name
    assert len(tried) <= 5, [str(pattern) for pattern in tried]  # home, the health prefix, then the API prefix and its two, or health's first two
