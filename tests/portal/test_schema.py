"""The API document a mobile team builds on: every operation declares its errors (derived from the
code, core/openapi.py) with the one error shape and an example per code; bodies are JSON except the
one upload."""

import ast
import pathlib
import re

import pytest
from django.core.exceptions import ValidationError
from drf_spectacular.generators import SchemaGenerator

from core.errors import Conflict
from core.openapi import raised_by
from core.packages import our_apps

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema, *, ours=True):
    """Our operations (``/api/v1/``, the JWKS); with ``ours=False`` allauth's merged sign-in ones too."""
    return [(path, method, operation) for path, item in schema["paths"].items() for method, operation in item.items()
            if method in METHODS and (not ours or not path.startswith("/_allauth/"))]


def codes(response) -> set[str]:
    return set(re.findall(r"`(\w+)`", response["description"].partition("one of:")[2]))


def test_every_operation_declares_its_errors_in_the_one_shape_with_an_example_per_code(schema):
    for path, method, operation in operations(schema):
        errors = {status: response for status, response in operation["responses"].items() if status >= "400"}
        assert "503" in errors, (method, path)
        for status, response in errors.items():
            content = response["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            listed = codes(response)
            assert listed and {example["value"]["code"] for example in content["examples"].values()} == listed, (method, path, status)


def test_the_codes_are_the_ones_the_code_raises(schema):
    responses = schema["paths"]["/api/v1/applications/"]["post"]["responses"]
    assert codes(responses["409"]) == {"item_unavailable", "offline_only"}
    assert codes(responses["422"]) == {"idempotency_key_reused"}
    assert {"invalid", "parse_error"} <= codes(responses["400"]) and codes(responses["401"]) == {"not_authenticated", "authentication_failed"}
    assert codes(schema["paths"]["/api/v1/applications/{number}/withdraw/"]["post"]["responses"]["409"]) == {"wrong_state"}
    assert codes(schema["paths"]["/api/v1/applications/{number}/result.pdf"]["get"]["responses"]["409"]) == {"not_completed"}
    assert {"no_seal", "no_timestamp_authority"} <= codes(schema["paths"]["/api/v1/applications/{number}/result.pdf"]["get"]["responses"]["503"])
    assert "429" in schema["paths"]["/api/v1/base-records/people/"]["post"]["responses"]  # the only throttled operation
    public = schema["paths"]["/api/v1/items/"]["get"]["responses"]
    assert "401" not in public and "403" not in public
    assert codes(schema["paths"]["/api/v1/workbench/"]["get"]["responses"]["403"]) == {"permission_denied", "second_factor_required"}
    assert "second_factor_required" not in str(schema["paths"]["/api/v1/me/"])  # a citizen's own data asks for none


PUBLIC_READS = ("/api/v1/items/", "/api/v1/items/{code}/", "/api/v1/bundles/", "/api/v1/ratings/items/", "/api/v1/ratings/departments/")


def test_the_public_catalogue_is_declared_public(schema):
    """A generated client must not ask for a session before it reads the catalogue."""
    for path in PUBLIC_READS:
        operation = schema["paths"][path]["get"]
        assert all(requirement == {} for requirement in operation["security"]), (path, operation["security"])
        assert "401" not in operation["responses"] and "403" not in operation["responses"], path


def test_creating_applications_and_bundles_documents_the_per_person_quota(schema):
    """``core.quotas.take`` raises ``TooMany`` (its code fixed by its constructor): the document says 429."""
    for path in ("/api/v1/applications/", "/api/v1/bundle-applications/"):
        assert codes(schema["paths"][path]["post"]["responses"]["429"]) == {"too_many_requests"}, path


def test_paying_documents_the_payment_codes(schema):
    """payments is one of our apps (core.packages.our_apps): its domain errors reach the document."""
    responses = schema["paths"]["/api/v1/applications/{number}/payment/"]["post"]["responses"]
    assert "not_payable" in codes(responses["409"])
    assert "payment_platform_unavailable" in codes(responses["503"])


def test_the_derivation_follows_calls_and_local_imports(monkeypatch):
    from core import openapi

    monkeypatch.setattr(openapi, "our_apps", lambda: (*our_apps(), "tests"))

    def helper():
        raise Conflict("x", code="deep")

    def local():
        from core.errors import NotFound

        raise NotFound()

    def handler():
        helper()
        local()
        raise ValidationError("bad")

    assert {code for _kind, code in raised_by(handler)} == {"deep", "not_found", "invalid"}
    monkeypatch.setattr(openapi, "our_apps", lambda: ("core",))  # outside the platform's packages the walk stops
    assert {code for _kind, code in raised_by(handler)} == {"invalid"}


def test_every_code_the_api_can_raise_is_documented(schema):
    """Each literal ``code=`` of a domain error in the API's reach is listed by some operation. Codes
    only the admin, the portal pages or allauth's sign-up raise are named here, so a new one is a decision."""
    documented = {code for _p, _m, operation in operations(schema) for s, r in operation["responses"].items() if s >= "400" for code in codes(r)}
    raised = set()
    for package in our_apps():
        for source in pathlib.Path(package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                        "Invalid", "NotFound", "Forbidden", "Conflict", "Unprocessable", "Unavailable"):
                    raised |= {k.value.value for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)}
    # admin and command-line actions: publishing a guide version, deciding an appeal, creating or importing seals
    not_in_the_api = {"already_published", "appeal_decided", "invalid_seal", "no_seal_authority",
                      # the knowledge base's admin actions (an article's review, publication, retirement) and a draft from a staff reply
                      "article_incomplete", "not_reviewed", "not_published", "not_a_draft", "review_by_author",
                      # the payment platform's notification endpoint speaks the platform's protocol (payments/views.py), not this API's
                      "signature_check_unavailable",
                      # 免申即享's admin: drafting and publishing a policy version (four eyes), deciding an item of the human queue
                      "impact_assessment_missing", "rule_refused", "four_eyes", "no_published_version", "already_decided", "outcome_required",
                      # 家庭代办 is portal pages only for now (docs/family.md: no family API yet)
                      "family_already_linked", "family_no_account", "family_not_pending"}
    assert sorted(raised - documented) == sorted(not_in_the_api), " ".join(sorted((raised - documented) ^ not_in_the_api))


def test_bodies_are_json_except_the_upload(schema):
    for path, method, operation in operations(schema):
        content = set(operation.get("requestBody", {}).get("content", {}))
        if path == "/api/v1/uploads/":
            assert content == {"multipart/form-data"}
        elif content:
            assert content == {"application/json"}, (method, path, content)


def test_every_query_parameter_a_view_reads_is_declared(schema):
    """A filter the code reads but the document does not name is a filter no generated client can send."""
    import inspect

    from drf_spectacular.generators import EndpointEnumerator

    reads = re.compile(r"""(?:query_params|params)\.get\(\s*["'](\w+)["']""")
    missing = []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        view = callback.cls
        module = inspect.getmodule(view)
        source = inspect.getsource(view)
        helpers = [inspect.getsource(obj) for name, obj in vars(module).items()
                   if inspect.isfunction(obj) and obj.__module__ == module.__name__ and re.search(rf"\b{name}\(", source)]
        read = set(reads.findall(source + "".join(helpers)))
        operation = schema["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if method == "GET" and read - declared:
            missing.append((method, path, sorted(read - declared)))
        assert "Accept-Language" in {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}, (method, path)
    assert not missing


def test_sign_in_is_in_the_same_document_as_this_deployment_runs_it(schema):
    from core.numbers import validate_id_number

    signin = {path: item for path, item in schema["paths"].items() if path.startswith("/_allauth/")}
    assert {"/_allauth/app/v1/auth/login", "/_allauth/app/v1/auth/signup", "/_allauth/app/v1/auth/phone/verify", "/_allauth/app/v1/auth/code/request",
            "/_allauth/app/v1/auth/code/confirm", "/_allauth/app/v1/auth/session", "/_allauth/app/v1/auth/sessions", "/_allauth/app/v1/config"} <= set(signin)
    assert not [path for path in signin if "{client}" in path or "email" in path or "/browser/" in path]
    username = schema["components"]["schemas"]["AuthUsername"]
    assert "resident ID number" in username["description"] and validate_id_number(username["example"])
    assert "phone" in schema["components"]["schemas"]["AuthAccountConfiguration"]["properties"]["login_methods"]["items"]["enum"]
    config = schema["components"]["schemas"]["AuthAccountConfiguration"]
    assert set(config["required"]) <= set(config["properties"])  # allauth's own lists one that is never sent
    ids = [operation["operationId"] for _p, _m, operation in operations(schema, ours=False)]
    assert len(ids) == len(set(ids)) and all(i.isidentifier() for i in ids)
    assert "AuthErrorResponse" in schema["components"]["schemas"] and "errors[0].message" in schema["info"]["description"]


def test_every_ref_resolves(schema):
    import json

    text = json.dumps(schema)
    for ref in set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', text)):
        assert ref[1] in schema["components"][ref[0]], ref


def test_allauths_cdn_viewer_leads_to_our_docs(client):
    response = client.get("/_allauth/openapi.html")
    assert response.status_code == 302 and response["Location"].startswith("/api/docs/")


def _json_schema(node):
    """OpenAPI 3.0 → JSON Schema: ``nullable: true`` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key not in ("nullable", "example", "examples")}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def test_every_body_has_an_example_that_its_schema_accepts(schema):
    """Examples are built from the schemas (core/openapi.py); a built example that its own schema
    refuses would teach a client the wrong thing."""
    import jsonschema

    root = {"components": {"schemas": _json_schema(schema["components"]["schemas"])}}

    def check(value, body_schema):
        jsonschema.validate(value, {**_json_schema(body_schema), "components": root["components"]})

    missing = []
    for path, method, operation in operations(schema):
        bodies = [("request", operation.get("requestBody", {}).get("content", {}))]
        bodies += [(status, response.get("content", {})) for status, response in operation["responses"].items()]
        for where, content in bodies:
            for media, body in content.items():
                body_schema = body.get("schema", {})
                if body_schema.get("format") == "binary" or media == "multipart/form-data":
                    continue  # a file
                target = body_schema
                if "$ref" in body_schema:
                    target = schema["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[1]]
                elif body_schema.get("type") == "array" and "$ref" in body_schema.get("items", {}):
                    target = schema["components"]["schemas"][body_schema["items"]["$ref"].rsplit("/", 1)[1]]
                examples = [e["value"] for e in body.get("examples", {}).values()] or ([body["example"]] if "example" in body else [])
                examples += [target["example"]] if "example" in target else []
                if not examples:
                    missing.append((method, path, where))
                for example in examples:
                    check(example, target)
    assert missing == []
    assert all(operation.get("description") for _p, _m, operation in operations(schema, ours=False))
