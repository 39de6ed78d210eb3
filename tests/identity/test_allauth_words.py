"""allauth's pages read as Chinese on a Chinese page: 通行密钥, 账户, 验证码, 两步验证 — no English word
and none of allauth's awkward wordings (identity/allauth_words.py says them again in our catalogue)."""

import re

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory, totp_for

pytestmark = pytest.mark.django_db
AWKWARD = re.compile(r"passkey|帐户|帐号|代码|双因素|可选项|Security|WebAuthn|TOTP", re.IGNORECASE)
ENGLISH_WORD = re.compile(r"(?<![\w@./-])[A-Za-z]{4,}(?![\w@./-])")
NAMES = {"English", "JavaScript"}  # the language switch (marked lang="en") and the script the passkey pages need


def words(response) -> str:
    """What a reader sees: the text of the page, without tags, scripts and styles."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S))


def test_the_sign_in_page_offers_a_passkey_in_chinese():
    text = words(Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/accounts/login/"))
    assert "使用通行密钥登录" in text and AWKWARD.findall(text) == []
    assert "密码：" in text and "密码:" not in text  # a Chinese page's labels end in the full-width colon


def test_the_second_factor_pages_read_as_chinese():
    person = UserFactory(phone_number="13900000061")
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.post("/accounts/login/", {"login": person.id_number, "password": PASSWORD})
    pages = {path: words(browser.get(path, follow=True)) for path in ("/accounts/2fa/", "/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/")}
    assert {path: AWKWARD.findall(text) for path, text in pages.items()} == {path: [] for path in pages}
    assert {path: set(ENGLISH_WORD.findall(text)) - NAMES for path, text in pages.items()} == {path: set() for path in pages}
    assert "两步验证" in pages["/accounts/2fa/"] and "通行密钥" in pages["/accounts/2fa/"] and "账户" in pages["/accounts/2fa/totp/activate/"]


def test_the_code_step_of_a_staff_sign_in_asks_for_the_verification_code():
    staff = UserFactory(roles=["dispatcher"], phone_number="13900000062")
    totp_for(staff)
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = words(browser.post("/accounts/login/", {"login": staff.id_number, "password": PASSWORD}, follow=True))
    assert "您的账户已开启两步验证" in text and "验证码" in text and "其他方式" in text and AWKWARD.findall(text) == []
