"""Item admins' writes in admin go through use cases, each with its audit event: a draft version saved
(``catalogue.item_version_draft_save``, with its materials), a region, a 一件事 bundle with its parts,
a spreadsheet import of items (``identity.services.admin_records_import``). A published version is
view-only: the use case refuses to change it even if asked directly."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import Conflict
from identity.models import AuditEvent
from services.models import Region, ServiceItem
from services.services.catalogue import item_version_draft_save
from tests.factories import UserFactory, sign_in_with_second_factor
from tests.services.test_admin_editor import draft, item_admin, post_data  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_saving_a_draft_version_in_admin_writes_an_audit_event(client, item_admin, draft):  # noqa: F811
    response = client.post(f"/admin/services/itemversion/{draft.pk}/change/", post_data(draft, **{
        "materials-TOTAL_FORMS": "1", "materials-0-name": "户口簿", "materials-0-kind": "upload", "materials-0-required": "on"}))

    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    draft.refresh_from_db()
    assert draft.fee_fen == 1250 and draft.materials.filter(name="户口簿").exists()
    event = AuditEvent.objects.get(action="item_version_changed", actor=item_admin)
    assert event.detail["step"] == "draft_changed" and event.detail["version"] == draft.version
    assert "form_schema" in event.detail["fields"] and "依据" not in str(event.detail)


def test_a_published_version_is_view_only_and_the_use_case_refuses_it(client, item_admin):  # noqa: F811
    version = ServiceItem.objects.get(code="GA-005").current_version
    page = client.get(f"/admin/services/itemversion/{version.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/services/itemversion/{version.pk}/change/", {"legal_basis": "改"}).status_code == 403
    with pytest.raises(Conflict):
        item_version_draft_save(actor=item_admin, version=version, changed=["legal_basis"], write=version.save)
    assert not AuditEvent.objects.filter(action="item_version_changed").exists()


def test_a_region_added_in_admin_is_audited(client, item_admin):  # noqa: F811
    response = client.post("/admin/services/region/add/", {"code": "370199", "name": "测试区", "level": "county"})
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    region = Region.objects.get(code="370199")
    event = AuditEvent.objects.get(action="admin_record_changed", actor=item_admin)
    assert event.detail == {"model": "services.region", "record": region.pk, "step": "added", "fields": sorted(event.detail["fields"])}


def test_a_spreadsheet_import_of_items_is_one_audited_use_case(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    sign_in_with_second_factor(client, admin)
    item = ServiceItem.objects.get(code="GA-005")
    csv = ("code,name,name_en,department,region,categories,applicant_kind,keywords,online,at_most_one_trip,high_frequency,is_active\n"
           f"{item.code},改过的名称,{item.name_en},{item.department.code},{item.region.code if item.region else ''},,"
           f"{item.applicant_kind},{item.keywords},1,1,1,1\n").encode()
    preview = client.post("/admin/services/serviceitem/import/", {"format": "0", "import_file": SimpleUploadedFile("items.csv", csv)})
    assert preview.status_code == 200 and not AuditEvent.objects.filter(action="admin_record_changed").exists()  # a dry run writes nothing
    confirm = re.search(r'name="import_file_name" value="([^"]+)"', preview.content.decode())
    assert confirm, re.findall(r"errorlist[^>]*>(.*?)</ul>", preview.content.decode(), re.S) or preview.content.decode()[-3000:]
    original = re.search(r'name="original_file_name" value="([^"]+)"', preview.content.decode()).group(1)

    done = client.post("/admin/services/serviceitem/process_import/", {"format": "0", "import_file_name": confirm.group(1),
                                                                       "original_file_name": original, "resource": ""})

    assert done.status_code == 302
    assert ServiceItem.objects.get(pk=item.pk).name == "改过的名称"
    event = AuditEvent.objects.get(action="admin_record_changed", actor=admin)
    assert event.detail == {"model": "services.serviceitem", "step": "imported", "update": 1}
