"""The admin in Chinese shows words, not English names or codes: allauth's authenticators and user
sessions named in Chinese (identity.third_party_names) and in English on English pages, the kernel app
named, a rule's code as code with its kind in words, a data source in words, an application's timeline
labelled and its steps in words, no blind index on a legal entity; and a refusal worded in the catalogue."""

import re

import pytest
from django.utils import timezone, translation

from healthcode.demo import default_ruleset
from healthcode.models import TestResult as HealthTestResult
from identity.models import LegalEntityRecord
from tests.factories import UserFactory, sign_in_with_second_factor

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(r"Authenticators|User sessions|Last used at|Last seen at|User agent|Qilu kernel")


@pytest.fixture
def admin_client(client):
    sign_in_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def page(client, path: str, language: str = "zh-hans") -> str:
    client.cookies["django_language"] = language
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code, [str(m) for m in answer.wsgi_request._messages])
    return answer.content.decode()


def test_allauths_models_and_the_kernel_have_chinese_names_in_chinese_and_english_ones_in_english(admin_client):
    from allauth.usersessions.models import UserSession

    UserSession.objects.create(user=UserFactory(), ip="203.0.113.9", session_key="k" * 32, user_agent="Mozilla/5.0")
    index = page(admin_client, "/admin/")
    assert "身份验证器" in index and "登录会话" in index and not ENGLISH.search(index)
    authenticators, sessions = page(admin_client, "/admin/mfa/authenticator/"), page(admin_client, "/admin/usersessions/usersession/")
    assert "上次使用时间" in authenticators and "上次活动时间" in sessions and "浏览器标识" in sessions
    assert not ENGLISH.search(authenticators + sessions)
    english = page(admin_client, "/admin/", "en") + page(admin_client, "/admin/usersessions/usersession/", "en")
    assert "Authenticators" in english and "User sessions" in english and "Last seen at" in english and "身份验证器" not in english


def test_a_rule_shows_its_kind_in_words_and_its_code_as_code_and_a_source_in_words(admin_client):
    ruleset = default_ruleset()
    ruleset_page = page(admin_client, f"/admin/healthcode/ruleset/{ruleset.pk}/change/")
    assert "<code>symptoms</code>" in ruleset_page and "申报症状" in ruleset_page
    assert not re.search(r"(?<!<code)>\s*symptoms\s*<", ruleset_page)
    result = HealthTestResult.objects.create(person_index="x" * 64, source="demo", external_id="NA-1", kind="nucleic_acid", result="negative",
                                       sampled_at=timezone.now(), reported_at=timezone.now())
    result_page = page(admin_client, f"/admin/healthcode/testresult/{result.pk}/change/")
    assert "演示数据" in result_page and not re.search(r"(?<!<code)>\s*demo\s*<", result_page)


def test_a_legal_entity_shows_no_blind_index(admin_client):
    entity = LegalEntityRecord.objects.create(credit_code="91110000600037341L", name="测试有限公司", legal_representative_name="张三",
                                              legal_representative_id_number="11010519491231002X", legal_representative_index="f" * 64,
                                              area_code="370102")
    shown = page(admin_client, f"/admin/identity/legalentityrecord/{entity.pk}/change/")
    assert "f" * 64 not in shown and "Legal representative index" not in shown


def test_the_refusal_to_draft_an_article_is_in_the_catalogue():
    from appeals import views

    source = open(views.__file__, encoding="utf-8").read()
    assert "您无权执行此操作" not in source  # the msgid is the catalogue's "You may not do this."
    with translation.override("en"):
        assert translation.gettext("You may not do this.") == "You may not do this."
    with translation.override("zh-hans"):
        assert translation.gettext("You may not do this.") == "您无权执行此操作。"


def test_a_roles_permissions_are_named_in_the_pages_language(admin_client):
    """Django creates its built-in permissions as "Can add <model>" in English; a role's picker names every
    permission in the page's language, the project's own ones translated too."""
    chinese = page(admin_client, "/admin/auth/group/add/")
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", chinese)
    assert "掌上办 | 办件 | 新增办件" in options and "电子证照 | 核验记录 | 可以核验出示的电子证照" in options
    assert not [label for label in options if re.search(r"[A-Za-z]{3,}", label.replace("SD-JWT", ""))]
    english = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", page(admin_client, "/admin/auth/group/add/", "en"))
    assert "Can verify presented credentials" in " ".join(english)
    assert not [label for label in english if re.search(r"[\u4e00-\u9fff]", label)]


def test_the_admins_two_box_picker_speaks_chinese(admin_client):
    """Django 5.2's picker sentences ("Choose %s by selecting them…", "Choose all %s") are not in its
    zh_Hans catalogue yet; the project's djangojs catalogue carries them (locale/zh_Hans): every message
    the admin's scripts ask for is in the Chinese script catalogue."""
    import glob
    import json

    import django

    source = "".join(open(path, encoding="utf-8").read() for path in glob.glob(f"{django.__path__[0]}/contrib/admin/static/admin/js/**/*.js",
                                                                               recursive=True) if "/vendor/" not in path)
    asked = {text.replace("\\'", "'") for text in re.findall(r"gettext\('((?:[^'\\]|\\.)*)'\)", source)}
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});", page(admin_client, "/admin/jsi18n/"), re.DOTALL).group(1))
    assert len(asked) > 30 and not asked - set(catalogue), asked - set(catalogue)
    assert catalogue["Choose all %s"] == "全选%s"
