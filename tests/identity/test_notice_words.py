"""A notice keeps its untranslated message (identity.notices): names of things read in the reader's
language where the thing has an English name, labels and lists follow the language, a message that
no longer renders falls back to the text stored when it was sent."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from credentials.models import Credential, Verification
from identity.models import Department, Notice
from identity.notices import named, notice_text, words
from identity.services import notice_send

pytestmark = pytest.mark.django_db


def test_names_labels_and_lists_are_rendered_when_read(citizen):
    department = Department(name="山东省公安厅", name_en="Shandong Public Security Department")
    with translation.override("zh-hans"):
        notice = notice_send(user=citizen, kind="credential_presented",
                             title=words(gettext_lazy("%(party)s saw %(fields)s of your %(type)s"), party=named(department),
                                         fields=[named(zh="持证人", en="Holder"), named(zh="住址", en="")], type=named(zh="居民身份证", en="Resident ID card")),
                             body=words(Verification.Reason.CREDENTIAL_SUSPENDED.label))
    assert notice.title == "山东省公安厅 查看了你的居民身份证：持证人、住址" and notice.body == "证照已暂停"
    notice.refresh_from_db()
    with translation.override("en"):
        assert notice_text(notice).title == "Shandong Public Security Department saw Holder, 住址 of your Resident ID card"
        assert notice_text(notice).body == str(Verification.Reason.CREDENTIAL_SUSPENDED.label)
        assert "证" not in notice_text(notice).body
    with translation.override("zh-hans"):
        assert notice_text(notice).title == "山东省公安厅 查看了你的居民身份证：持证人、住址"


def test_a_choice_label_is_kept_as_its_msgid(citizen):
    with translation.override("zh-hans"):
        notice = notice_send(user=citizen, kind="credential_status",
                             title=words(gettext_lazy("%(type)s is now %(status)s"), type="x", status=Credential.Status.REVOKED.label))
    assert notice.message["title"]["params"]["status"] == {"msgid": "已注销"}


def test_a_message_that_no_longer_renders_shows_the_stored_text(citizen):
    notice = Notice.objects.create(user=citizen, kind="application", title="已保存的标题",
                                   message={"title": {"msgid": "%(item)s: %(status)s", "params": {"item": "x"}}})
    with translation.override("en"):
        assert notice_text(notice).title == "已保存的标题"
