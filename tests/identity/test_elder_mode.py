"""Elder mode (长辈版): a switch on every page, remembered on the device and on the account."""

import pytest
from django.utils import timezone

from identity.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_switch_is_on_every_page_and_a_device_remembers_it(client):
    page = client.get("/")
    assert b'data-testid="elder-on"' in page.content and b'class="elder"' not in page.content
    switched = client.post("/account/elder-mode/", {"elder": "1", "next": "/services/"})
    assert switched.status_code == 302 and switched["Location"] == "/services/"
    assert switched.cookies["qilu_elder"].value == "1" and switched.cookies["qilu_elder"]["httponly"]
    home = client.get("/")
    assert b'<body class="elder">' in home.content and b'data-testid="elder-home"' in home.content
    assert b'href="tel:12345"' in home.content
    client.post("/account/elder-mode/", {"elder": "0", "next": "/"})
    assert b'<body class="elder">' not in client.get("/").content


def test_an_account_remembers_it_on_every_device_and_the_change_is_audited(client, citizen):
    client.force_login(citizen)
    client.post("/account/elder-mode/", {"elder": "1", "next": "/"})
    citizen.refresh_from_db()
    assert citizen.elder_mode is True
    assert AuditEvent.objects.filter(subject=citizen, action="preferences_changed").count() == 1
    client.post("/account/elder-mode/", {"elder": "1", "next": "/"})  # no change: no second event
    assert AuditEvent.objects.filter(subject=citizen, action="preferences_changed").count() == 1

    from django.test import Client

    other_device = Client()
    other_device.force_login(citizen)
    assert b'<body class="elder">' in other_device.get("/").content
    assert b'data-testid="elder-task-applications"' in other_device.get("/").content


def test_the_switch_only_goes_back_to_this_site(client):
    assert client.post("/account/elder-mode/", {"elder": "1", "next": "https://evil.example/"})["Location"] == "/"


def test_the_fourth_task_is_the_item_applied_for_most(client, citizen):
    from credentials.demo import seed_types
    from services.demo import seed_catalogue
    from services.models import Application, ServiceItem
    from tests.factories import UserFactory

    seed_types()
    seed_catalogue()
    item = ServiceItem.objects.get(code="RS-003")
    applicant = UserFactory()
    for n in range(2):
        Application.objects.create(number=f"QL20261201000000{n}", item=item, version=item.current_version, department=item.department,
                                   applicant=applicant, materials_total=0, materials_saved=0, due_at=timezone.now())
    client.cookies["qilu_elder"] = "1"
    home = client.get("/").content.decode()
    assert 'data-testid="elder-task-popular"' in home and item.name in home


def test_a_choice_made_before_signing_in_carries_into_the_account(client, citizen, password):
    client.post("/account/elder-mode/", {"elder": "1", "next": "/"})
    assert client.post("/accounts/login/", {"login": citizen.id_number, "password": password}).status_code == 302
    citizen.refresh_from_db()
    assert citizen.elder_mode is True
    assert b'<body class="elder">' in client.get("/").content
    assert AuditEvent.objects.filter(subject=citizen, action="preferences_changed").count() == 1
    assert client.cookies["qilu_elder_chosen"].value == ""  # carried once: the account's setting rules from now on


def test_once_signed_in_the_accounts_setting_wins_over_what_the_device_showed_before(client, citizen, password):
    from django.test import Client

    client.force_login(citizen)
    client.post("/account/elder-mode/", {"elder": "1", "next": "/"})  # chosen signed in: the device remembers it too
    client.post("/accounts/logout/")
    other_device = Client()
    other_device.force_login(citizen)
    other_device.post("/account/elder-mode/", {"elder": "0", "next": "/"})  # turned off elsewhere
    assert b'<body class="elder">' in client.get("/").content  # signed out, this device still shows what it last showed
    client.post("/accounts/login/", {"login": citizen.id_number, "password": password})
    citizen.refresh_from_db()
    assert citizen.elder_mode is False and b'<body class="elder">' not in client.get("/").content
    assert client.cookies["qilu_elder"].value == "0"  # the device follows the account
