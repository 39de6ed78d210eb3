"""The public catalogue is served from the cache with ETag/Last-Modified and 304s, and a published
guide version (or any catalogue change) is visible at once."""

import pytest
from rest_framework.test import APIClient

from services.models import ItemVersion, ServiceItem
from services.services import catalogue
from tests.factories import UserFactory

pytestmark = pytest.mark.real_on_commit


@pytest.fixture
def anonymous():
    return APIClient()


def test_a_repeat_read_is_a_304_and_a_cached_read_costs_no_query(anonymous, django_assert_num_queries):
    first = anonymous.get("/api/v1/items/", {"q": "驾驶证"})
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"] and first["Cache-Control"] == "public, max-age=60"
    assert [item["code"] for item in first.json()["results"]]
    again = anonymous.get("/api/v1/items/", {"q": "驾驶证"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    assert anonymous.get("/api/v1/items/", {"q": "驾驶证"}, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    with django_assert_num_queries(0):
        hit = anonymous.get("/api/v1/items/", {"q": "驾驶证"})
    assert hit.status_code == 200 and hit.content == first.content


def test_each_query_and_language_has_its_own_answer(anonymous):
    licence = anonymous.get("/api/v1/items/", {"q": "驾驶证"})
    housing = anonymous.get("/api/v1/items/", {"q": "公积金"})
    english = anonymous.get("/api/v1/items/", {"q": "驾驶证"}, HTTP_ACCEPT_LANGUAGE="en")
    assert len({licence["ETag"], housing["ETag"], english["ETag"]}) == 3
    assert licence.json() != housing.json()
    assert "Accept-Language" in licence["Vary"]


def test_publishing_a_version_or_changing_an_item_changes_the_answer(anonymous, django_capture_on_commit_callbacks):
    before = anonymous.get("/api/v1/items/GA-002/")
    admin = UserFactory()
    item = ServiceItem.objects.get(code="GA-002")
    with django_capture_on_commit_callbacks(execute=True):
        draft = catalogue.item_version_copy(actor=admin, version=item.current_version)
        ItemVersion.objects.filter(pk=draft.pk).update(time_limit_days=1)
        catalogue.item_version_publish(actor=admin, version=draft)
    after = anonymous.get("/api/v1/items/GA-002/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert after.json() != before.json()
    with django_capture_on_commit_callbacks(execute=True):
        ServiceItem.objects.filter(code="GA-002").first().save()  # an admin edit of the item itself
    assert anonymous.get("/api/v1/items/GA-002/", HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 200


def test_an_unknown_item_is_a_404_not_a_cached_answer(anonymous):
    assert anonymous.get("/api/v1/items/NOPE/").status_code == 404


def test_a_cached_read_is_one_cache_round_trip(anonymous, monkeypatch):
    """The stamp and the rendered answer come back in one read (a hit is what the anonymous catalogue
    mostly is: the bench's catalogue row); an answer kept from before a change is never served."""
    from core import public_cache

    class Counted:  # the cache as public_cache sees it, each call noted
        def __init__(self, real):
            self.real, self.calls = real, []

        def __getattr__(self, name):
            self.calls.append(name)
            return getattr(self.real, name)

    first = anonymous.get("/api/v1/items/", {"q": "驾驶证"})
    counted = Counted(public_cache.cache)
    monkeypatch.setattr(public_cache, "cache", counted)
    hit = anonymous.get("/api/v1/items/", {"q": "驾驶证"})
    assert hit.status_code == 200 and hit.content == first.content and counted.calls == ["get_many"]
    public_cache.Stamp("catalogue").bump()
    counted.calls.clear()
    rebuilt = anonymous.get("/api/v1/items/", {"q": "驾驶证"})
    assert rebuilt["ETag"] != first["ETag"] and counted.calls == ["get_many", "set"]  # built again under the new stamp
