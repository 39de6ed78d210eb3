"""The API document's error responses, derived from the code rather than written per view.

For each operation, the error ``code`` values it can answer are found by reading what the view's
handler calls: the handler's source, and the source of every function of ours it reaches (selectors,
use cases, steps, their helpers), is parsed once, and each domain error constructed there
(``Conflict(..., code="wrong_state")``, ``NotFound()``), each ``Http404``/``get_object_or_404`` and each
validation error is collected with its kind. The kind gives the status (``core.api.HTTP_STATUS``);
the view's own configuration adds what the framework answers (401 without a session, 403 without the
permission, 400/415/413 for a body, 429 for a throttle, 503 when the database is away).

So an operation documents the codes its code can raise, whatever the view author remembered. The
walk follows module-level functions and methods of the view's own class; a code passed as a variable
is not known statically and is not listed (tests/portal/test_schema.py keeps the list honest).
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import inspect
import re
import textwrap
from collections import defaultdict

from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, permissions, serializers

from core.api import HTTP_STATUS
from core.errors import DomainError, Kind, NotFound
from core.packages import our_apps
from core.people import mask_id_number, mask_name, mask_phone

MESSAGES = {
    "invalid": "Some fields are not valid.",
    "parse_error": "The request body could not be read.",
    "unsupported_media_type": "This content type is not supported.",
    "request_too_large": "The request body is too large.",
    "not_authenticated": "Please sign in first.",
    "authentication_failed": "Your credentials were not accepted.",
    "permission_denied": "You may not do this.",
    "second_factor_required": "Sign in with a second factor (a passkey or an authenticator app) before opening other people's data.",
    "not_found": "Not found.",
    "throttled": "Too many requests. Please try again in 30 seconds.",
    "service_unavailable": "Service temporarily unavailable.",
}

STATUS_TEXT = {400: "Invalid request", 401: "Not signed in", 403: "Not allowed", 404: "Not found (or not yours)", 409: "Not possible in the current state",
               413: "Request body too large", 415: "Not JSON", 422: "Contradicts an earlier request", 429: "Too many requests",
               503: "Temporarily unavailable (retry after the Retry-After header's seconds)"}


class ErrorSerializer(serializers.Serializer):
    """The one error body every API error answers with."""

    code = serializers.CharField(help_text="Stable machine code; listed per operation and status")
    message = serializers.CharField(help_text="Readable message in the language of Accept-Language (zh-hans or en)")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="Field → messages, for `invalid` (keys like `data.seats`); empty otherwise")


def _ours(obj) -> bool:
    """Code of ours (``core.packages.our_apps``): the walk follows it; into Django or DRF it does not."""
    return (getattr(obj, "__module__", "") or "").split(".")[0] in our_apps()


def _unwrap(func):
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    return func


@functools.cache
def _parsed(func) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None


def _resolve(node: ast.expr, namespace: dict, owner: type | None):
    """The object a call's callee names: ``name``, ``module.name``, ``Class.name`` or ``self.name``."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id, getattr(builtins, node.id, None))
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") and owner is not None:
            return getattr(owner, node.attr, None)
        base = _resolve(node.value, namespace, owner)
        if base is not None and (inspect.ismodule(base) or inspect.isclass(base)):
            return getattr(base, node.attr, None)
    return None


def _closure(func) -> dict:
    try:
        return dict(inspect.getclosurevars(func).nonlocals)
    except (TypeError, ValueError):
        return {}


def _local_imports(tree: ast.AST) -> dict:
    """Names a function imports inside its body (``from core.errors import Conflict``)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            try:
                module = importlib.import_module(node.module)
            except ImportError:
                continue
            for alias in node.names:
                names[alias.asname or alias.name] = getattr(module, alias.name, None)
    return names


def _error_of(cls, call: ast.Call) -> tuple[Kind, str | None] | None:
    """The (kind, code) a constructed exception class answers with, if it is one the API maps."""
    if not inspect.isclass(cls):
        return None
    keywords = {k.arg: k.value for k in call.keywords}
    if issubclass(cls, DomainError):
        code = keywords.get("code")
        if isinstance(code, ast.Constant):
            return cls.kind, code.value
        return cls.kind, ("not_found" if issubclass(cls, NotFound) and code is None else _fixed_code(cls))
    if issubclass(cls, Http404) or issubclass(cls, exceptions.NotFound):
        return Kind.NOT_FOUND, "not_found"
    if issubclass(cls, exceptions.PermissionDenied):
        return Kind.FORBIDDEN, "permission_denied"
    if cls.__name__ == "ValidationError":  # Django's and DRF's
        return Kind.INVALID, "invalid"
    return None


@functools.cache
def _fixed_code(cls) -> str | None:
    """The code a domain error's own constructor gives it (``TooMany`` → ``too_many_requests``), if a literal."""
    init = cls.__dict__.get("__init__")
    tree = _parsed(init) if init is not None else None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    return keyword.value.value
    return None


def raised_by(func, owner: type | None = None, _seen: set | None = None) -> set[tuple[Kind, str | None]]:
    """Every (kind, code) that ``func`` or a function of ours it calls can raise."""
    func = _unwrap(func)
    seen = _seen if _seen is not None else set()
    if func in seen or not callable(func):
        return set()
    seen.add(func)
    tree = _parsed(func)
    if tree is None:
        return set()
    namespace = {**getattr(func, "__globals__", {}), **_closure(func), **_local_imports(tree)}
    found: set[tuple[Kind, str | None]] = set()
    for node in ast.walk(tree):
        found |= _raised_at(node, namespace, owner, seen)
    return found


def _raised_at(node: ast.AST, namespace: dict, owner: type | None, seen: set) -> set[tuple[Kind, str | None]]:
    """What one node of a function's body can raise: a bare ``raise X``, a constructed error, a
    ``serializer.is_valid(raise_exception=True)``, ``get_object_or_404``, or a call into our code."""
    if isinstance(node, ast.Raise) and node.exc is not None and not isinstance(node.exc, ast.Call):
        error = _error_of(_resolve(node.exc, namespace, owner), ast.Call(func=node.exc, args=[], keywords=[]))
        return {error} if error else set()
    if not isinstance(node, ast.Call):
        return set()
    if isinstance(node.func, ast.Attribute) and node.func.attr == "is_valid" and any(k.arg == "raise_exception" for k in node.keywords):
        return {(Kind.INVALID, "invalid")}
    callee = _resolve(node.func, namespace, owner)
    if callee is None:
        return set()
    error = _error_of(callee, node)
    if error:
        return {error}
    if getattr(callee, "__name__", "") == "get_object_or_404":
        return {(Kind.NOT_FOUND, "not_found")}
    if inspect.isfunction(_unwrap(callee)) and _ours(_unwrap(callee)):
        method_owner = owner if isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") in ("self", "cls") else None
        return raised_by(callee, method_owner, seen)
    return set()


def _is_anonymous_allowed(view) -> bool:
    checks = view.get_permissions()
    return not checks or any(isinstance(p, permissions.AllowAny) for p in checks)


def error_codes(view, method: str, path: str, *, has_body: bool) -> dict[int, list[str]]:
    """Status → the codes this operation can answer with it."""
    by_status: dict[int, set[str]] = defaultdict(set)
    view_class = type(view)
    handler = getattr(view_class, method.lower(), None)
    roots = [handler] + [getattr(view_class, name) for name in ("get_queryset", "get_object", "list", "perform_create")
                         if _ours(getattr(view_class, name, None))]
    for root in roots:
        if root is None:
            continue
        for kind, code in raised_by(root, view_class):
            if code:
                by_status[HTTP_STATUS[kind]].add(code)
    if view.authentication_classes and not _is_anonymous_allowed(view):
        by_status[401] |= {"not_authenticated", "authentication_failed"}
        if any(not isinstance(p, permissions.IsAuthenticated) for p in view.get_permissions()):
            by_status[403].add("permission_denied")
        for check in view.get_permissions():  # a permission may answer codes of its own (identity.second_factor)
            for status, codes in getattr(check, "error_codes", {}).items():
                by_status[status] |= set(codes)
    by_status[400].add("invalid")  # any operation: a NUL character in the query string (core.middleware.QueryNulGuard)
    if has_body:
        by_status[400] |= {"invalid", "parse_error"}
        by_status[415].add("unsupported_media_type")
        by_status[413].add("request_too_large")
    if "{" in path or (method == "GET" and getattr(view, "pagination_class", None) and hasattr(view, "list")):
        by_status[404].add("not_found")  # a path's object not found (or not yours), or a page past the end
    if getattr(view, "throttle_classes", None):
        by_status[429].add("throttled")
    by_status[503].add("service_unavailable")
    return {status: sorted(codes) for status, codes in sorted(by_status.items())}


ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language", str, OpenApiParameter.HEADER,
    description="The language of messages and of names in the answer: `zh-hans` or `en`; Chinese when absent or not offered")


class QiluAutoSchema(AutoSchema):
    """drf-spectacular's schema with every operation's error responses (see the module docstring)
    and the Accept-Language header every operation honours."""

    def get_operation_id(self):
        # applications_result_pdf_retrieve, not applications_result.pdf_retrieve: a valid name in every generated client
        return re.sub(r"[^A-Za-z0-9_]+", "_", super().get_operation_id()).strip("_")

    def get_override_parameters(self):
        return [*super().get_override_parameters(), ACCEPT_LANGUAGE]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        for status, codes in error_codes(self.view, self.method, self.path, has_body=has_body).items():
            if str(status) in responses:
                continue
            described = OpenApiResponse(
                response=ErrorSerializer,
                description=f"{STATUS_TEXT.get(status, 'Error')}. `code` is one of: " + ", ".join(f"`{code}`" for code in codes),
                examples=[OpenApiExample(code, value={"code": code, "message": MESSAGES.get(code, code.replace("_", " ").capitalize() + "."),
                                                      "errors": {"data.seats": ["Enter a number."]} if code == "invalid" else {}},
                                         status_codes=[str(status)], response_only=True)
                          for code in codes],
            )
            responses[str(status)] = self._get_response_for_code(described, str(status), direction=direction)
        return responses


# --- examples ------------------------------------------------------------------------------------
# Every body in the document gets an example, built from its schema: a value per field name as a
# client would see it on the demo data (`make run`), else one that fits the field's type, format or
# enum. Built, not written per view, so an example never disagrees with its schema (tests validate
# every example against it).

_ID_NUMBER, _PHONE = "370102199003071238", "13800000001"  # masked examples are computed by the masking functions (core.people)
EXAMPLES = {
    "id_number": _ID_NUMBER, "masked_id_number": mask_id_number(_ID_NUMBER), "agent_id_number": "370602199506183421",
    "holder_number": mask_id_number(_ID_NUMBER), "credit_code": "91370100MA3C5YJ85X", "phone": mask_phone(_PHONE), "name": "张三",
    "masked_name": mask_name("张三"),
    "holder_name": "张三", "agent_name": "王芳", "number": "QL2026120112345678", "item": "JT-001", "item_name": "道路运输车辆备案",
    "identifier": "11370000004381220R001-2026-000123", "record_id": "DL-370102-0001", "type": "driving_licence", "type_name": "机动车驾驶证",
    "type_code": "11370000004381220R001", "department": "山东省公安厅", "issuer": "山东省公安厅", "region": "山东省", "area_code": "370100",
    "code": "GA-001", "key": "licence_class", "label": "准驾车型", "label_zh": "准驾车型", "label_en": "Licence class", "name_zh": "机动车驾驶证",
    "name_en": "Driving licence", "value": "C1", "payload": "eyJhbGciOiJFUzI1NiIsImtpZCI6IjIwMjYtMTIiLCJ0eXAiOiJxaWx1LXZwK2p3dCJ9.eyJ…",
    "colour": "green", "colour_label": "绿码", "place": "济南西站", "venue_code": "V-370102-0007", "service_hall": "济南市政务服务中心",
    "verifier": mask_name("赵敏"), "checker": mask_name("吴刚"), "actor": mask_name("赵敏"), "actor_label": f"审核 {mask_name('陈明')}",
    "message": "有效", "reason": "valid", "reason_label": "有效",
    "comment": "材料齐全，予以受理。", "title": "道路运输车辆备案：已办结", "body": "您的办件 QL2026120112345678 已办结。", "kind": "application",
    "content_type": "image/png", "size": 48213, "url": "/services/applications/QL2026120112345678/",
    "card_url": "/api/v1/wallet/11370000004381220R001-2026-000123/card.png",
    "photo_url": "/api/v1/verifications/2f1c9a4e-6d0b-4c55-9a7e-1b2c3d4e5f60/photo.jpg", "address": "济南市历下区泉城路 1 号",
    "delivery_address": "济南市历下区泉城路 1 号", "purpose": "窗口核验身份", "relation": "子女", "note": "", "help": "结果证件邮寄到此地址",
    "prefill": "identity.phone", "pattern": "^[0-9]{6}$", "pattern_message": "请输入 6 位数字", "failing_rule": "", "result_credential": None,
    "count": 1, "next": None, "previous": None, "version": 1, "revision": 1, "time_limit_days": 5, "validity_years": 6, "ttl_seconds": 60,
    "materials_total": 2, "materials_saved": 2, "created": 1, "updated": 0, "marked": 1, "row": 3, "rule_version": 3, "expires_at": "2026-12-01T10:01:00+08:00",
    "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "2026-12", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "disclose": ["licence_class", "first_issued"], "disclosed": ["licence_class", "first_issued"],
    "qr_svg": "<svg xmlns=\"http://www.w3.org/2000/svg\" …></svg>", "qr_png": "iVBORw0KGgoAAAANSUhEUgAA…", "photo": "/9j/4AAQSkZJRgABAQAAAQ…",
}
# the same field name means different things in different bodies: these win, by "Schema.field"
IN_CONTEXT = {
    "ApplyRequest.data": {"plate_number": "鲁A·D12345", "seats": "5", "operator": "张三", "phone": "13800000001"},
    "ApplyRequest.uploads": {"12": "8dc352f2-a847-464b-bdcb-63f101170e24"}, "ResubmitRequest.data": {"seats": "7"},
    "ResubmitRequest.uploads": {"12": "8dc352f2-a847-464b-bdcb-63f101170e24"}, "OnBehalfRequest.data": {"phone": "13800000001"},
    "Application.data": {"plate_number": "鲁A·D12345", "seats": "5", "operator": mask_name("张三"), "phone": mask_phone(_PHONE)},
    "PassReason.code": "none", "PassReason.text": "没有适用于您的规则：绿码。", "FormMaterial.name": "机动车驾驶证", "Material.name": "居民身份证",
    "AppliedMaterial.material": "机动车驾驶证", "AppliedMaterial.upload": None, "DisclosedCredential.id": "11370000004381220R001-2026-000123",
    "DisclosedCredential.expires_on": "2032-07-16", "AuditEvent.action_display": "窗口核验证照", "AuditEvent.role": "窗口人员",
    "AuditEvent.action": "credential_verified", "CredentialPushRequest.fields": {"licence_number": "370102199003071238", "licence_class": "C1",
                                                                               "first_issued": "2012-07-16"},
    "WalletCredential.fields": [{"key": "licence_class", "label": "准驾车型", "value": "C1"}],
    "Pass.expires_at": 1764553260, "CredentialPushRequest.holder_number": "370102199003071238", "Organisation.name": "济南泉城科技有限公司",
    "ItemList.name": "机动车驾驶证期满换证",
    "ItemDetail.name": "机动车驾驶证期满换证", "Upload.name": "营业执照.pdf", "Upload.content_type": "application/pdf",
    # credentials on open standards (OpenID4VCI / OpenID4VP)
    "CredentialOffer.offer_url": "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fqilu.example%22…",
    "CredentialOffer.credential_offer": {"credential_issuer": "https://qilu.example", "credential_configuration_ids": ["driving_licence"],
                                         "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": {
                                             "pre-authorized_code": "SplxlOBeZQQYbYS6WxSbIA…",
                                             "tx_code": {"input_mode": "numeric", "length": 6}}}},
    "CredentialOffer.tx_code": "493027", "RelyingParty.client_id": "jinan-lixia-hall-window", "RelyingParty.name": "济南市历下区政务服务大厅综合窗口",
    "RelyingParty.kind": "window", "RelyingParty.kind_label": "政务服务窗口", "RelyingParty.organisation": "济南市历下区行政审批服务局",
    "RelyingParty.purpose": "办理业务时核对办事人身份与所需证照信息", "RegisteredType.credential_type": "driving_licence",
    "RelyingParty.metadata": {"client_id": "jinan-lixia-hall-window", "client_name": "济南市历下区政务服务大厅综合窗口",
                              "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                                                 "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "kid": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
                                                 "alg": "ES256", "use": "sig"}]},
                              "request_object_signing_alg": "ES256", "response_modes": ["direct_post"],
                              "vp_formats_supported": {"dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]}}},
    "RegisteredType.name": "机动车驾驶证",
    "PresentationRequestCreateRequest.client_id": "jinan-lixia-hall-window", "PresentationRequestCreateRequest.credential_type": "driving_licence",
    "PresentationRequestCreateRequest.fields": ["holder_name", "licence_class"], "PresentationRequest.client_id": "jinan-lixia-hall-window",
    "PresentationRequest.credential_type": "driving_licence", "PresentationRequest.fields": ["holder_name", "licence_class"],
    "PresentationRequest.status": "verified", "PresentationRequest.reason": "valid",
    "PresentationRequest.disclosed": [{"key": "holder_name", "label": "持证人", "value": "张三"}, {"key": "licence_class", "label": "准驾车型", "value": "C1"}],
    "PresentationRequest.wallet_uri":
        "openid4vp://?client_id=jinan-lixia-hall-window&request_uri=https%3A%2F%2Fqilu.example%2Foid4vp%2Frequests%2F2f1c9a4e…",
    "PresentationRequest.request_uri": "https://qilu.example/oid4vp/requests/2f1c9a4e-6d0b-4c55-9a7e-1b2c3d4e5f60",
    "Shared.relying_party": "济南市历下区政务服务大厅综合窗口", "Shared.client_id": "jinan-lixia-hall-window",
    "Shared.purpose": "办理业务时核对办事人身份与所需证照信息",
    "Shared.credential": "机动车驾驶证", "Shared.fields": ["holder_name", "licence_class"], "Shared.reason": "valid",
}
TYPES = {"string": "文本", "integer": 1, "number": 1.5, "boolean": True}
FORMATS = {"date-time": "2026-12-01T09:30:00+08:00", "date": "2026-12-01", "uuid": "2f1c9a4e-6d0b-4c55-9a7e-1b2c3d4e5f60", "uri": None,
           "double": 5.0, "int64": 1, "binary": None}


def _fits(value, kind, schema) -> bool:
    if value is None:
        return bool(schema.get("nullable"))
    expected = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list, "object": dict}.get(kind)
    return expected is None or (isinstance(value, expected) and not (kind == "integer" and isinstance(value, bool)))


def example_for(schema: dict, components: dict, name: str = "", depth: int = 0, owner: str = ""):
    """An example value for ``schema`` (resolving ``$ref`` in ``components``); ``owner`` is the
    component whose property this is."""
    if depth > 6:
        return None
    if "$ref" in schema:
        component = schema["$ref"].rsplit("/", 1)[1]
        target = components.get(component, {})
        inner = name if "enum" in target else ""  # an enum keeps the field's name for its example; an object's fields have their own
        return target.get("example", example_for(target, components, inner, depth + 1, owner=component))
    if f"{owner}.{name}" in IN_CONTEXT:
        return IN_CONTEXT[f"{owner}.{name}"]
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            return _combined_example(combined, schema, components, name, depth, owner)
    if "enum" in schema:
        values = [value for value in schema["enum"] if value not in ("", None)]
        return EXAMPLES[name] if name in EXAMPLES and EXAMPLES[name] in values else (values[0] if values else None)
    kind = schema.get("type", "object" if "properties" in schema else None)
    if name in EXAMPLES and _fits(EXAMPLES[name], kind, schema):
        return EXAMPLES[name]
    if kind == "array":
        item = example_for(schema.get("items", {}), components, name.removesuffix("s"), depth + 1)
        return [] if item is None else [item]
    if kind == "object":
        return _object_example(schema, components, depth, owner)
    return _scalar_example(schema, kind)


def _combined_example(combined: str, schema: dict, components: dict, name: str, depth: int, owner: str):
    parts = [example_for(part, components, name, depth + 1, owner) for part in schema[combined]]
    objects = [part for part in parts if isinstance(part, dict)]
    return {key: value for part in objects for key, value in part.items()} if combined == "allOf" and objects else parts[0]


def _object_example(schema: dict, components: dict, depth: int, owner: str) -> dict:
    properties = schema.get("properties", {})
    request = owner.endswith("Request")  # a request example shows what a client sends: the required fields and the telling ones
    value = {key: example_for(sub, components, key, depth + 1, owner) for key, sub in properties.items()
             if not request or key in schema.get("required", []) or f"{owner}.{key}" in IN_CONTEXT or key in EXAMPLES}
    extra = schema.get("additionalProperties")
    if not properties and isinstance(extra, dict):
        value = {"data.seats": ["请输入数字。"]} if extra.get("type") == "array" else {"licence_class": example_for(extra, components, "value", depth + 1)}
    return value


def _scalar_example(schema: dict, kind):
    if schema.get("format") in FORMATS and FORMATS[schema["format"]] is not None:
        return FORMATS[schema["format"]]
    if schema.get("nullable"):
        return None
    return TYPES.get(kind, "…")


def add_examples(result, generator, request, public):
    """drf-spectacular post-processing hook: an ``example`` on each of our body schemas."""
    components = result.get("components", {}).get("schemas", {})
    for name, schema in components.items():
        if "example" not in schema and not name.startswith("Auth") and schema.get("type", "object") == "object":
            schema["example"] = example_for(schema, components, owner=name)
    return result
