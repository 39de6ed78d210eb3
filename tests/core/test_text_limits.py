"""Every free text a client can send has a length limit, answered 400 with the field named: a walk over
every request body our API reads (the serializers drf-spectacular documents, nested ones, list items
and map values included) fails for a string without ``maxLength``; and an appeal's reason of 1 MB —
once accepted — is refused through the API and the portal alike."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from core import limits
from core.packages import our_apps

pytestmark = pytest.mark.django_db

# Strings that need no length limit, each with its reason.
EXEMPT: dict[str, str] = {}
BOUNDED_FORMATS = {"binary", "date", "date-time", "uuid", "time", "decimal"}


def _unbounded(schema: dict, components: dict, where: str, seen: set) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded(components[name], components, name, seen | {name})
    found = []
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            found += _unbounded(sub, components, where, seen)
    if schema.get("readOnly"):
        return found
    if schema.get("type") == "string" and "maxLength" not in schema and "enum" not in schema and schema.get("format") not in BOUNDED_FORMATS:
        found.append(where)
    if isinstance(schema.get("items"), dict):
        found += _unbounded(schema["items"], components, f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        found += _unbounded(schema["additionalProperties"], components, f"{where}{{}}", seen)
    for name, sub in schema.get("properties", {}).items():
        found += _unbounded(sub, components, f"{where}.{name}", seen)
    return found


def test_every_string_a_request_body_carries_has_a_max_length():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    unbounded = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for content in (operation.get("requestBody") or {}).get("content", {}).values():
                unbounded.update(_unbounded(content["schema"], components, f"{method.upper()} {path}", set()))
    missing = sorted(unbounded - set(EXEMPT))
    assert not missing, "\n".join(missing)


# --- the appeal reason, and a text over its column --------------------------------------------------

MEGABYTE = "申" * 1_000_000


@pytest.fixture
def appellant(citizen):
    from healthcode.demo import default_ruleset
    from tests.factories import PopulationRecordFactory, fresh_signing_key

    fresh_signing_key()
    default_ruleset()
    PopulationRecordFactory(id_number=citizen.id_number, id_number_index=citizen.id_number_index, name=citizen.name, area_code="370102")
    return citizen


def test_a_megabyte_appeal_reason_is_refused_naming_the_field(appellant):
    from healthcode.models import Appeal
    from tests.factories import api_as

    response = api_as(appellant).post("/api/v1/health/appeals/", {"reason": MEGABYTE[:limits.REASON + 1]}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["reason"]
    assert api_as(appellant).post("/api/v1/health/appeals/", {"reason": "误勾选了症状", "evidence": "x" * (limits.REASON + 1)},
                                  format="json").json()["errors"].keys() == {"evidence"}
    assert not Appeal.objects.exists()


def test_the_portal_refuses_the_same_appeal_with_a_message_not_a_row(client, appellant):
    from healthcode.models import Appeal

    client.force_login(appellant)
    response = client.post("/health/appeal/", {"reason": "申" * (limits.REASON + 1)}, follow=True)
    assert response.status_code == 200 and not Appeal.objects.exists()
    assert "2000" in response.content.decode()


def test_a_text_longer_than_its_column_is_a_field_error_not_a_500(client, db):
    """A venue's name is a 128-character column: PostgreSQL refused a longer one with a 500."""
    from healthcode.models import Venue
    from tests.factories import UserFactory

    client.force_login(UserFactory(name="郑丽", roles=["venue_manager"]))
    response = client.post("/health/venues/", {"name": "场" * 200, "area_code": "370102", "address": "济南市历下区泉城路1号"}, follow=True)
    assert response.status_code == 200 and not Venue.objects.exists()
    assert "128" in response.content.decode()


def test_the_guard_names_every_field_over_its_limit():
    from django.core.exceptions import ValidationError

    from healthcode.models import Venue

    with pytest.raises(ValidationError) as refused:
        Venue(name="场" * 200, address="路" * 300, area_code="370102").save()
    assert set(refused.value.message_dict) == {"name", "address"}


def _input_serializers() -> dict[str, type]:
    """Every serializer class our code validates a body with (``SomethingSerializer(data=…)``), by name."""
    import importlib
    import re
    from pathlib import Path

    from rest_framework import serializers

    root = Path(__file__).resolve().parents[2]
    named = set()
    for app in our_apps():
        for path in (root / app).rglob("*.py"):
            named.update(re.findall(r"(\w+Serializer)\(data=", path.read_text()))
    found = {}
    for app in our_apps():
        for module_name in (f"{app}.api.serializers", f"{app}.api.views", f"{app}.imports"):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            holders = [module, *(value for value in vars(module).values() if isinstance(value, type))]  # views' own InputSerializers too
            for holder in holders:
                for name in named:
                    candidate = getattr(holder, name, None)
                    if isinstance(candidate, type) and issubclass(candidate, serializers.Serializer):
                        found[name] = candidate
    assert set(found) == named, f"not found: {named - set(found)}"
    return found


def _unbounded_fields(serializer, where: str) -> list[str]:
    from rest_framework import serializers

    found = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        inner = field.child if isinstance(field, (serializers.ListField, serializers.DictField)) else field
        if isinstance(inner, serializers.BaseSerializer):
            found += _unbounded_fields(inner.child if isinstance(inner, serializers.ListSerializer) else inner, f"{where}.{name}")
        elif isinstance(inner, serializers.CharField) and inner.max_length is None:
            found.append(f"{where}.{name}")
    return found


def test_every_serializer_we_validate_a_body_with_bounds_its_texts():
    """The same rule read from the code's side: each serializer our views and imports validate input
    with, walked field by field (nested serializers, list items and map values too)."""
    missing = sorted(entry for name, cls in _input_serializers().items() for entry in _unbounded_fields(cls(), name)
                     if entry not in EXEMPT)
    assert not missing, "\n".join(missing)
