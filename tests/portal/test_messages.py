"""The message centre (消息): the same notices as the API's inbox, newest first and paginated;
opening one marks it read through the same use case; mark all read; someone else's notice is 404;
the header's unread badge costs one COUNT; every link the platform writes into a notice opens a page."""

from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from identity.models import AuditEvent, Notice
from identity.services import notice_send
from portal.notices import KINDS

pytestmark = pytest.mark.django_db


def _notices(user, n, **extra):
    return [notice_send(user=user, kind="application", title=f"通知 {i}", body=f"内容 {i}", url="/services/applications/X/", **extra)
            for i in range(n)]


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def test_the_list_is_the_api_inbox_newest_first_in_pages(signed_in, citizen, citizen_api, other_citizen):
    _notices(citizen, 25)
    notice_send(user=other_citizen, kind="application", title="别人的通知")
    api_titles = [n["title"] for n in citizen_api.get("/api/v1/me/notices/").json()["results"]]
    api_titles += [n["title"] for n in citizen_api.get("/api/v1/me/notices/", {"page": 2}).json()["results"]]
    pages = [signed_in.get("/messages/", {"page": page}) for page in (1, 2)]
    portal_titles = [n.title for page in pages for n in page.context["notices"]]
    assert portal_titles == api_titles == [f"通知 {i}" for i in reversed(range(25))]
    assert "别人的通知" not in pages[0].content.decode() + pages[1].content.decode()
    assert "第 1 / 2 页" in pages[0].content.decode()


def test_opening_a_notice_marks_it_read_and_links_to_what_it_is_about(signed_in, citizen):
    notice = notice_send(user=citizen, kind="application", title="机动车驾驶证期满换证：待补正", body="请上传身体条件证明",
                         url="/services/applications/SD2026X/")
    page = signed_in.get(f"/messages/{notice.pk}/").content.decode()
    assert "请上传身体条件证明" in page and 'href="/services/applications/SD2026X/"' in page and "查看办件" in page
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert AuditEvent.objects.filter(actor=citizen, action=AuditEvent.Action.NOTICES_READ, detail__count=1).count() == 1
    signed_in.get(f"/messages/{notice.pk}/")  # a second look marks nothing more
    assert AuditEvent.objects.filter(actor=citizen, action=AuditEvent.Action.NOTICES_READ).count() == 1


def test_someone_elses_notice_answers_404_and_stays_unread(signed_in, other_citizen, citizen_api):
    theirs = notice_send(user=other_citizen, kind="application", title="别人的通知")
    assert signed_in.get(f"/messages/{theirs.pk}/").status_code == 404
    assert citizen_api.post(f"/api/v1/me/notices/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(signed_in, citizen, other_citizen):
    _notices(citizen, 3)
    theirs = notice_send(user=other_citizen, kind="application", title="别人的通知")
    assert signed_in.get("/messages/read-all/").status_code == 405
    response = signed_in.post("/messages/read-all/", follow=True)
    assert response.redirect_chain == [("/messages/", 302)]
    assert "全部消息已标为已读" in response.content.decode() and 'data-testid="unread-count"' not in response.content.decode()
    assert not Notice.objects.filter(user=citizen, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_header_badge_names_the_unread_count_with_one_count(signed_in, citizen):
    notices = _notices(citizen, 3)
    Notice.objects.filter(pk=notices[0].pk).update(read_at=notices[0].created_at)
    with CaptureQueriesContext(connection) as queries:
        page = signed_in.get("/services/").content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "identity_notice" in q["sql"]]
    assert len(counts) == 1 and "COUNT(" in counts[0]
    assert 'aria-label="消息，2 条未读">消息 <span class="unread" aria-hidden="true" data-testid="unread-count">2</span></a>' in page


def test_a_link_to_another_site_is_not_offered(signed_in, citizen):
    notice = notice_send(user=citizen, kind="unknown_kind", title="外部链接", url="https://example.com/phish")
    page = signed_in.get(f"/messages/{notice.pk}/").content.decode()
    assert "example.com" not in page and 'data-testid="notice-target"' not in page
    assert "unknown_kind" not in signed_in.get("/messages/").content.decode()  # the kind reads as words: 通知


def test_anonymous_people_are_sent_to_sign_in(client):
    assert client.get("/messages/").url.startswith("/accounts/login/")


def test_every_notice_the_demo_writes_opens_a_page_its_recipient_may_see(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--citizens", "5", "--quiet")
    notices = list(Notice.objects.select_related("user"))
    assert {n.kind for n in notices} >= {"application", "credential_issued", "bad_rating"}
    assert {n.kind for n in notices} <= set(KINDS)  # every kind the demo writes reads as words
    for notice in notices:
        client.force_login(notice.user)
        resolve(urlparse(notice.url).path)  # raises Resolver404 for a path the portal does not have
        assert (notice.url, client.get(notice.url).status_code) in {(notice.url, 200), (notice.url, 302)}
        assert client.get(f"/messages/{notice.pk}/").status_code == 200


def test_a_number_too_large_for_any_notice_is_404(signed_in):
    assert signed_in.get("/messages/99999999999999999999999/").status_code == 404


def _licence_notices(citizen):
    """A driving licence issued and suspended while Chinese is active (a task, an issuing system)."""
    import datetime as dt

    from django.utils import translation

    from credentials.demo import seed_types
    from credentials.services import credential_issue, credential_set_status
    from tests.factories import fresh_signing_key

    fresh_signing_key()
    clients = seed_types()
    with translation.override("zh-hans"):
        credential_issue(actor=clients["SD-GAT"], data={
            "type": "driving_licence", "record_id": "DL-1", "holder_number": citizen.id_number, "holder_name": citizen.name, "issued_on": dt.date(2024, 1, 1),
            "fields": {"licence_number": citizen.id_number, "licence_class": "C1", "first_issued": "2012-07-16", "file_number": "370100123456"}})
        credential_set_status(actor=clients["SD-GAT"], record_id="DL-1", status="suspended", reason="体检证明过期")


def test_a_notice_sent_in_chinese_reads_in_english_for_an_english_reader(signed_in, citizen, citizen_api):
    _licence_notices(citizen)
    assert list(Notice.objects.filter(user=citizen).values_list("title", flat=True)) == ["您的机动车驾驶证状态变为：已暂停", "您的卡包新增证照：机动车驾驶证"]
    signed_in.cookies["django_language"] = "en"
    page = signed_in.get("/messages/").content.decode()
    assert "Driving licence is now Suspended" in page and "New credential in your wallet: Driving licence" in page
    assert "机动车驾驶证" not in page and "已暂停" not in page
    api = citizen_api.get("/api/v1/me/notices/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert [n["title"] for n in api] == ["Driving licence is now Suspended", "New credential in your wallet: Driving licence"]
    assert api[0]["body"] == "体检证明过期"  # what the issuing system wrote stays as written
    opened = signed_in.get(f"/messages/{api[0]['id']}/").content.decode()
    assert "Driving licence is now Suspended" in opened


def test_the_same_notice_reads_in_chinese_for_a_chinese_reader(signed_in, citizen, citizen_api):
    _licence_notices(citizen)
    page = signed_in.get("/messages/").content.decode()
    assert "您的机动车驾驶证状态变为：已暂停" in page and "您的卡包新增证照：机动车驾驶证" in page and "Driving licence" not in page
    api = citizen_api.get("/api/v1/me/notices/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]
    assert [n["title"] for n in api] == ["您的机动车驾驶证状态变为：已暂停", "您的卡包新增证照：机动车驾驶证"]


def test_a_notice_from_before_messages_were_kept_shows_its_stored_text(signed_in, citizen, citizen_api):
    old = Notice.objects.create(user=citizen, kind="application", title="城乡居民养老保险：已办结", body="请到窗口领取", url="/services/")
    assert old.message == {}
    signed_in.cookies["django_language"] = "en"
    assert "城乡居民养老保险：已办结" in signed_in.get("/messages/").content.decode()
    assert "请到窗口领取" in signed_in.get(f"/messages/{old.pk}/").content.decode()
    assert citizen_api.get("/api/v1/me/notices/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]["title"] == "城乡居民养老保险：已办结"
