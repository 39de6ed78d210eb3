"""A cached catalogue list is answered by ``core.public_cache.PublicAnswerMiddleware`` before DRF and
the middleware it does not need: byte for byte the full path's answer (headers and body, 200 and 304),
in the language asked for, and never after a change of the catalogue."""

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from core import public_cache
from services.api.views import CatalogueApi
from services.models import ItemVersion, ServiceItem
from services.services import catalogue
from tests.factories import UserFactory

pytestmark = pytest.mark.real_on_commit

EARLY = "core.public_cache.PublicAnswerMiddleware"
FULL_PATH = [name for name in settings.MIDDLEWARE if name != EARLY]
ASKED = [  # (query, headers): the list, a filter, each language switch, the 长辈版 switch
    ({}, {}),
    ({"online": "true"}, {}),
    ({}, {"HTTP_ACCEPT_LANGUAGE": "en"}),
    ({}, {"HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=en"}),
    ({}, {"HTTP_COOKIE": "qilu_elder=1", "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}),
    ({}, {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}),
]


@pytest.fixture
def views(monkeypatch):
    """How many requests reached the catalogue's DRF view."""
    calls = []
    real = CatalogueApi.get

    def counted(self, request, *args, **kwargs):
        calls.append(request.get_full_path())
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(CatalogueApi, "get", counted)
    return calls


def seen(response) -> tuple:
    """What a client receives, less the request id (new on every request)."""
    return response.status_code, [(name, value) for name, value in response.items() if name != "X-Request-ID"], response.content, \
        response.cookies.output()


def full_path(query, headers, **more):
    with override_settings(MIDDLEWARE=FULL_PATH):
        return APIClient().get("/api/v1/items/", query, **headers, **more)


def test_the_early_answer_is_the_full_paths_answer_byte_for_byte_200_and_304(views):
    for query, headers in ASKED:
        full = full_path(query, headers)
        assert full.status_code == 200 and full["ETag"]
        conditions = ({"HTTP_IF_NONE_MATCH": full["ETag"]}, {"HTTP_IF_MODIFIED_SINCE": full["Last-Modified"]})
        full_304s = [full_path(query, headers, **condition) for condition in conditions]
        early = APIClient()
        early.get("/api/v1/items/", query, **headers)  # the first through the middleware keeps the headers
        views.clear()
        answer = early.get("/api/v1/items/", query, **headers)
        assert seen(answer) == seen(full), (query, headers)
        for condition, full_304 in zip(conditions, full_304s, strict=True):
            not_modified = early.get("/api/v1/items/", query, **headers, **condition)
            assert not_modified.status_code == 304 and seen(not_modified) == seen(full_304)
        assert views == [], "cached answers are given before DRF"


def test_language_switches_answer_in_the_language_asked_and_elder_mode_changes_nothing(views):
    client = APIClient()
    for _ in range(2):  # the second of each: answered early
        chinese = client.get("/api/v1/items/")
        english = client.get("/api/v1/items/", HTTP_ACCEPT_LANGUAGE="en")
        by_cookie = client.get("/api/v1/items/", HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=en")
        elder = client.get("/api/v1/items/", HTTP_COOKIE="qilu_elder=1")
    assert chinese["Content-Language"] == "zh-hans" and english["Content-Language"] == "en" and by_cookie["Content-Language"] == "en"
    assert english.content == by_cookie.content != chinese.content and english["ETag"] != chinese["ETag"]
    assert english.json()["results"][0]["name"] != chinese.json()["results"][0]["name"]
    assert elder.content == chinese.content and elder["ETag"] == chinese["ETag"]
    assert len(views) == 2  # built once in Chinese, once in English (header and cookie: one answer); the elder switch: none


def item_in(response, code: str) -> dict:
    return next(item for item in response.json()["results"] if item["code"] == code)


def test_a_catalogue_change_and_an_item_admin_publish_are_seen_at_once(views, django_capture_on_commit_callbacks):
    client = APIClient()
    client.get("/api/v1/items/", {"department": "SD-GAT"})
    before = client.get("/api/v1/items/", {"department": "SD-GAT"})
    views.clear()
    item = ServiceItem.objects.get(code="GA-002")
    with django_capture_on_commit_callbacks(execute=True):
        draft = catalogue.item_version_copy(actor=UserFactory(), version=item.current_version)
        ItemVersion.objects.filter(pk=draft.pk).update(time_limit_days=1)
        catalogue.item_version_publish(actor=UserFactory(), version=draft)
    published = client.get("/api/v1/items/", {"department": "SD-GAT"}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert published.status_code == 200 and published["ETag"] != before["ETag"]
    assert item_in(before, "GA-002")["time_limit_days"] != 1 and item_in(published, "GA-002")["time_limit_days"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        ServiceItem.objects.filter(code="GA-002").update(online=not item.online)
        ServiceItem.objects.get(code="GA-002").save()  # an admin edit of the item itself
    changed = client.get("/api/v1/items/", {"department": "SD-GAT"})
    assert changed["ETag"] != published["ETag"] and item_in(changed, "GA-002")["online"] is (not item.online)
    assert len(views) == 2  # each change: built again once


def test_what_the_full_path_refuses_or_redirects_takes_the_full_path(views):
    client = APIClient()
    client.get("/api/v1/items/")
    client.get("/api/v1/items/")
    views.clear()
    assert client.get("/api/v1/items/", HTTP_ACCEPT="image/png").status_code == 406  # DRF's content negotiation
    assert client.get("/api/v1/items/?x=%00").status_code == 400  # QueryNulGuard
    assert client.get("/api/v1/items/", HTTP_HOST="evil.example").status_code == 400  # ALLOWED_HOSTS
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert APIClient().get("/api/v1/items/").status_code == 301  # SecurityMiddleware's redirect to https
    assert client.head("/api/v1/items/").status_code == 200
    assert views == ["/api/v1/items/"]  # HEAD: the full path (the others never reached the view)


def test_an_early_answer_is_one_cache_round_trip_and_a_stale_one_is_never_given(views, monkeypatch):
    class Counted:
        def __init__(self, real):
            self.real, self.calls = real, []

        def __getattr__(self, name):
            self.calls.append(name)
            return getattr(self.real, name)

    client = APIClient()
    first = client.get("/api/v1/items/")
    client.get("/api/v1/items/")
    counted = Counted(public_cache.cache)
    monkeypatch.setattr(public_cache, "cache", counted)
    views.clear()
    assert client.get("/api/v1/items/").content == first.content and counted.calls == ["get_many"] and views == []
    public_cache.Stamp("catalogue").bump()
    counted.calls.clear()
    rebuilt = client.get("/api/v1/items/")
    assert rebuilt["ETag"] != first["ETag"] and counted.calls == ["get_many", "set"] and len(views) == 1  # one read, one write
