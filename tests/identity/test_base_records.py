"""Base records (人口库 / 法人库) from files and from the authenticated sync API: good rows kept,
bad rows reported with reasons."""

import json
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from identity.models import ApiClient, LegalEntityRecord, PopulationRecord, id_number_index
from tests.factories import sign_in_with_second_factor

pytestmark = pytest.mark.django_db


def test_csv_import_keeps_good_rows_and_reports_bad_ones(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(
        "id_number,name\n110101199003071233,甲\n110101199003071234,乙\n,丙\n11010519491231002x,丁\n", encoding="utf-8"
    )
    with pytest.raises(SystemExit) as exit_:
        call_command("load_base_records", "people", str(path))
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "created 2, updated 0, rejected 2" in out
    assert "row 2: id_number:" in out and "row 3: id_number:" in out
    assert PopulationRecord.objects.get(id_number_index=id_number_index("11010519491231002X")).name == "丁"


def test_jsonl_import_of_entities_and_reimport_updates(tmp_path, capsys):
    row = {"credit_code": "91110000600037341L", "name": "示例公司", "legal_representative_name": "甲", "legal_representative_id_number": "110101199003071233"}
    path = tmp_path / "entities.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\nnot json\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("load_base_records", "entities", str(path))
    row["name"] = "示例公司（更名）"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    call_command("load_base_records", "entities", str(path))
    assert "created 0, updated 1, rejected 0" in capsys.readouterr().out
    assert LegalEntityRecord.objects.get().name == "示例公司（更名）"


@pytest.fixture
def sync_client():
    client = ApiClient(name="数据共享交换平台", scopes=["base_records.sync"])
    token = client.set_new_secret()
    client.save()
    return token


def test_sync_api_requires_a_client_with_the_scope(sync_client):
    api = APIClient()
    body = {"records": [{"id_number": "110101199003071233", "name": "甲"}]}
    assert api.post("/api/v1/base-records/people/", body, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Bearer " + sync_client[:-2] + "xx")
    assert api.post("/api/v1/base-records/people/", body, format="json").status_code == 401
    other = ApiClient(name="发证系统", scopes=["credentials.issue"])
    api.credentials(HTTP_AUTHORIZATION="Bearer " + other.set_new_secret())
    other.save()
    assert api.post("/api/v1/base-records/people/", body, format="json").status_code == 403


def test_sync_api_reports_rows(sync_client):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + sync_client)
    body = {"records": [{"id_number": "110101199003071233", "name": "甲"}, {"id_number": "110101199003071234", "name": "乙"}, "x"]}
    response = api.post("/api/v1/base-records/people/", body, format="json")
    assert response.status_code == 200
    report = response.json()
    assert (report["created"], report["updated"]) == (1, 0)
    assert [error["row"] for error in report["errors"]] == [2, 3]


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo", "--citizens", "5")
    first = PopulationRecord.objects.count()
    call_command("seed_demo", "--citizens", "5")
    assert PopulationRecord.objects.count() == first
    assert "Qilu-demo-2026" in capsys.readouterr().out


def test_every_roles_first_screen_has_something_to_act_on(client, django_capture_on_commit_callbacks):
    """A newcomer's `make run`: applications in the reviewer's workbench, an appeal for the health
    officer, a 14-day history in the statistics chart, a clerk's check in 张三's "who used my data";
    areas by name. Twice is the same as once."""
    from django.utils import timezone

    from credentials.models import Verification
    from healthcode.models import Appeal, DailyCount
    from identity.models import User, id_number_index
    from portal.management.commands.seed_demo import DEMO_PEOPLE
    from services.models import Application

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", "--citizens", "20", "--quiet")
    people = {key: User.objects.get(id_number_index=id_number_index(number)) for key, _n, number, _p, _r in DEMO_PEOPLE}
    assert Application.objects.filter(status="submitted").count() == 2 and Appeal.objects.filter(status="pending").count() == 1
    assert Verification.objects.count() == 1
    days = set(DailyCount.objects.values_list("day", flat=True))
    assert len(days) == 14 and max(days) == timezone.localdate()

    sign_in_with_second_factor(client, people["reviewer"])
    workbench = client.get("/services/workbench/").content.decode()
    assert workbench.count("/services/workbench/QL") >= 2
    cases = client.get("/services/rectifications/").content.decode()
    assert cases.count("data-case=") == 1 and "不满意" in cases  # 李四's rating, once however often the demo is loaded
    board = client.get("/api/v1/ratings/departments/").json()
    assert [(row["code"], row["ratings"], row["bad"]) for row in board] == [("SD-GAT", 2, 1)]
    client.force_login(people["citizen"])
    actions, url = [], "/api/v1/me/audit-events/?by_others=1"
    while url:  # every page: the demo's 诉求 add staff views of 张三's cases before the clerk's check
        page = client.get(url).json()
        actions, url = actions + [e["action"] for e in page["results"]], page.get("next")
    assert "credential_verified" in actions
    sign_in_with_second_factor(client, people["health_officer"])
    stats = client.get("/health/stats/").content.decode()
    by_day = stats.split('data-testid="by-day"')[1].split("</table>")[0]  # the table the ECharts chart is drawn from
    assert len(re.findall(r"<td>\d{4}-\d{2}-\d{2}</td>", by_day)) == 14 and "济南市" in stats and ">370100<" not in stats
