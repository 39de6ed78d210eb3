"""Admin writes in identity go through use cases (identity.services.admin_record_save / _delete): a
staff account created or its roles changed in admin, a base record corrected, a department deleted —
each is audited in the same transaction (field names, never values), in the person's own record
when it is about a person; the SMS outbox cannot be deleted."""

import pytest
from django.contrib.auth.models import Group

from core.errors import Forbidden
from identity.models import AuditEvent, Department, PopulationRecord, SmsMessage, User
from identity.services import admin_record_delete, admin_record_save
from tests.factories import PopulationRecordFactory, UserFactory, new_id_number, sign_in_with_second_factor


@pytest.fixture
def superuser(db):
    return UserFactory(name="管理员", is_staff=True, is_superuser=True, phone_number="13800000499")


@pytest.fixture
def admin_client(client, superuser):
    sign_in_with_second_factor(client, superuser)
    return client


def test_a_staff_account_created_in_admin_is_audited_in_its_own_record(admin_client, superuser):
    number = new_id_number()
    answer = admin_client.post("/admin/identity/user/add/", {"name": "周明", "id_number_input": number, "phone_input": "",
                                                              "password": "a-long-initial-password", "is_staff": "on"})

    assert answer.status_code == 302, answer.content.decode()[-2000:]
    created = User.objects.get(name="周明")
    event = AuditEvent.objects.get(action="admin_record_changed", subject=created)
    assert event.actor == superuser and event.detail["step"] == "added" and event.detail["model"] == "identity.user"
    assert number not in str(event.detail) and "a-long-initial-password" not in str(event.detail)


def test_roles_changed_in_admin_are_audited_with_the_change_in_one_transaction(admin_client, superuser):
    person = UserFactory(name="钱进", is_staff=True)
    reviewer_role, _created = Group.objects.get_or_create(name="reviewer")
    form = {"name": person.name, "phone_verified": "", "is_active": "on", "is_staff": "on", "groups": [reviewer_role.pk],
            "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "08:00:00"}

    answer = admin_client.post(f"/admin/identity/user/{person.pk}/change/", form)

    assert answer.status_code == 302, answer.content.decode()[-2000:]
    assert person.groups.filter(name="reviewer").exists()
    event = AuditEvent.objects.get(action="admin_record_changed", subject=person)
    assert event.detail["step"] == "changed" and "groups" in event.detail["fields"]


def test_a_base_record_corrected_in_admin_shows_in_the_persons_record(admin_client):
    person = UserFactory(name="孙丽")
    record = PopulationRecordFactory(id_number=person.id_number, id_number_index=person.id_number_index, name="孙丽")

    answer = admin_client.post(f"/admin/identity/populationrecord/{record.pk}/change/", {"name": "孙莉", "status": record.status})

    assert answer.status_code == 302, answer.content.decode()[-2000:]
    assert PopulationRecord.objects.get(pk=record.pk).name == "孙莉"
    assert AuditEvent.objects.filter(action="admin_record_changed", subject=person, detail__fields=["name"]).exists()


def test_a_deletion_in_admin_is_audited_and_the_sms_outbox_cannot_be_deleted(admin_client, superuser):
    department = Department.objects.create(code="TEST-DEL", name="测试部门", area_code="370100")
    sms = SmsMessage.objects.create(phone="13800000001", phone_masked="138****0001", phone_index="x", body="b", purpose="p")

    answer = admin_client.post(f"/admin/identity/department/{department.pk}/delete/", {"post": "yes"})

    assert answer.status_code == 302
    assert AuditEvent.objects.filter(action="admin_record_changed", actor=superuser, detail__step="deleted", detail__model="identity.department").exists()
    assert admin_client.post(f"/admin/identity/smsmessage/{sms.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_use_cases_check_the_permission_themselves(citizen):
    department = Department(code="TEST-X", name="x", area_code="370100")
    with pytest.raises(Forbidden):
        admin_record_save(actor=citizen, record=department, changed=["name"], write=department.save)
    with pytest.raises(Forbidden):
        admin_record_delete(actor=citizen, record=citizen)
    assert not Department.objects.filter(code="TEST-X").exists()


def test_a_password_set_in_admin_goes_through_the_use_case(admin_client, superuser):
    person = UserFactory(name="吴刚", is_staff=True)

    answer = admin_client.post(f"/admin/identity/user/{person.pk}/password/", {
        "password1": "another-long-password-9", "password2": "another-long-password-9", "set_usable_password": "true"})

    assert answer.status_code == 302, answer.content.decode()[-2000:]
    person.refresh_from_db()
    assert person.check_password("another-long-password-9")
    event = AuditEvent.objects.get(action="admin_record_changed", subject=person)
    assert event.actor == superuser and event.detail["fields"] == ["password"] and "another-long" not in str(event.detail)


def test_a_role_changed_in_admin_is_audited(admin_client, superuser):
    role, _created = Group.objects.get_or_create(name="reviewer")

    answer = admin_client.post(f"/admin/auth/group/{role.pk}/change/", {"name": "reviewer", "permissions": []})

    assert answer.status_code == 302, answer.content.decode()[-2000:]
    assert not role.permissions.exists()
    assert AuditEvent.objects.filter(action="admin_record_changed", actor=superuser, detail__model="auth.group", detail__step="changed").exists()
