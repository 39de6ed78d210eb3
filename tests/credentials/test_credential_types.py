"""The public credential-types endpoint: what an issuer pushes (type code, field keys) and who may
push it, without copying it from someone's wallet; cached with validators, fresh after any change."""

from rest_framework.test import APIClient

from credentials.api.serializers import CredentialTypeSerializer
from tests.factories import issuer_client


def test_anyone_reads_the_types_with_their_field_keys_and_issuers(db, driving_type, issuer):
    response = APIClient().get("/api/v1/credential-types/")
    assert response.status_code == 200
    (listed,) = [t for t in response.json() if t["code"] == driving_type.code]
    assert [f["key"] for f in listed["fields"]] == [f["key"] for f in driving_type.field_schema]
    assert listed["type_code"] == driving_type.type_code and listed["department"] == driving_type.department.name
    assert listed["issuers"] == [issuer[0].name]
    assert all(set(field) >= {"key", "label", "type", "required", "on_card"} for field in listed["fields"])
    one = APIClient().get(f"/api/v1/credential-types/{driving_type.code}/")
    assert one.status_code == 200 and one.json() == listed
    missing = APIClient().get("/api/v1/credential-types/no-such-type/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_an_inactive_type_and_an_inactive_issuer_are_not_listed(db, driving_type, issuer, django_capture_on_commit_callbacks):
    assert [t["issuers"] for t in APIClient().get("/api/v1/credential-types/").json() if t["code"] == driving_type.code] == [[issuer[0].name]]
    with django_capture_on_commit_callbacks(execute=True):  # the stamp moves after commit, as the admin's save would
        issuer[0].is_active = False
        issuer[0].save()
    assert [t["issuers"] for t in APIClient().get("/api/v1/credential-types/").json() if t["code"] == driving_type.code] == [[]]
    with django_capture_on_commit_callbacks(execute=True):
        driving_type.is_active = False
        driving_type.save()
    assert driving_type.code not in [t["code"] for t in APIClient().get("/api/v1/credential-types/").json()]


def test_answers_carry_validators_and_a_change_is_seen_at_once(db, driving_type, issuer, django_capture_on_commit_callbacks):
    client = APIClient()
    first = client.get("/api/v1/credential-types/")
    etag = first["ETag"]
    assert client.get("/api/v1/credential-types/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        other, _token = issuer_client(name="另一个发证系统")
        driving_type.issuers.add(other)
    changed = client.get("/api/v1/credential-types/", HTTP_IF_NONE_MATCH=etag)
    with django_capture_on_commit_callbacks(execute=True):
        driving_type.issuers.add(other)  # already there (every 秒批 result does this): no change, the cached answer stays
    assert client.get("/api/v1/credential-types/", HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert sorted(next(t for t in changed.json() if t["code"] == driving_type.code)["issuers"]) == sorted([issuer[0].name, "另一个发证系统"])


def test_names_and_labels_follow_accept_language(db, driving_type):
    driving_type.name_en = "Driving licence"
    driving_type.field_schema = [{**driving_type.field_schema[0], "label_en": "Licence class"}, *driving_type.field_schema[1:]]
    driving_type.save()
    english = APIClient().get(f"/api/v1/credential-types/{driving_type.code}/", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = APIClient().get(f"/api/v1/credential-types/{driving_type.code}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert (english["name"], chinese["name"]) == ("Driving licence", driving_type.name)
    assert english["fields"][0]["label"] == "Licence class" and chinese["fields"][0]["label"] == driving_type.field_schema[0]["label"]
    assert english["fields"][1]["label"] == driving_type.field_schema[1]["label"]  # no English label: the Chinese one, not a blank


def test_the_serializer_declares_every_key_it_answers(db, driving_type):
    """The answer is hand-built; the declared fields (what the schema documents) must be exactly its keys."""
    answer = CredentialTypeSerializer(driving_type).data
    declared = CredentialTypeSerializer().fields
    assert set(answer) == set(declared)
    field_declared = set(declared["fields"].child.fields)
    assert all(set(field) <= field_declared for field in answer["fields"])
