"""Chinese by default, English on request: API errors and portal pages."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, message",
    [(None, "请先登录。"), ("zh-hans", "请先登录。"), ("en", "Please sign in first.")],
)
def test_api_errors_speak_the_callers_language(api, language, message):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = api.get("/api/v1/me/", **headers)
    assert response.json()["message"] == message


@pytest.mark.django_db
def test_domain_errors_are_translated(citizen_api):
    response = citizen_api.post("/api/v1/organisations/", {"credit_code": "91110000600037341L"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["message"] == "您不是该统一社会信用代码对应的存续法人的法定代表人。"


@pytest.mark.django_db
def test_the_portal_switches_to_english():
    client = Client()
    assert "一号通行，掌上办事" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "One number, every service, on your phone" in client.get("/").content.decode()
