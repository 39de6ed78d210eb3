"""Sign-in in the one API document: django-allauth's own OpenAPI description of its headless API,
merged into ours (a drf-spectacular post-processing hook), as this deployment runs it.

allauth ships a generic document (any client, email or username, ``wizard`` as the example user).
A mobile developer needs the one that matches this server, so the merge:

- keeps the ``app`` client's paths (``X-Session-Token``), without the email and social-login paths
  this deployment does not serve (there is no email address on an account);
- prefixes allauth's components with ``Auth`` so no name collides with ours, and gives every
  operation an ``operationId`` so generated clients have stable method names;
- describes the login as this platform has it: ``username`` is the resident ID number (GB 11643),
  ``phone`` a mainland mobile number; ``phone`` is a login method in the configuration;
- states the two error shapes and how they map (``AUTH_ERRORS``).
"""

from __future__ import annotations

import copy
import re

from django.conf import settings

from identity import roles

# password reset is by email in allauth, and accounts here have none: a forgotten password is reset by
# SMS code at /api/v1/password-reset/ (identity.api.views), not through allauth
KEEP = re.compile(r"^/_allauth/\{client\}/v1/(config"
                  r"|auth/(login|signup|session|sessions|reauthenticate|code/|phone/|2fa/|webauthn/(login|authenticate|reauthenticate))"
                  r"|account/(phone|password/change|authenticators))"
                  r"|^/_allauth/app/v1/tokens/")
METHODS = ("get", "post", "put", "patch", "delete")

AUTH_ERRORS = """
## Two error shapes

Sign-in, sign-up, codes and sessions (`/_allauth/app/v1/…`, tagged *Sign-in*) are served by
django-allauth and answer errors in its shape; everything under `/api/v1/` answers in ours.

| | `/api/v1/…` (`Error`) | `/_allauth/app/v1/…` (`AuthErrorResponse`) |
|---|---|---|
| machine code | `code` | `errors[].code` (one per problem) |
| readable message | `message` | `errors[].message` |
| which field | the keys of `errors` (`{"data.seats": ["…"]}`) | `errors[].param` |
| HTTP status | the response status | the response status, repeated in `status` |

To show one message, take `message` (ours) or `errors[0].message` (allauth's). Both are in the
language of `Accept-Language`. A 401 from allauth is not an error but the flow's next step: its body
lists the `flows` still pending (for example `phone_verification` after sign-up).

## Signing in from the app

1. `POST /_allauth/app/v1/auth/login` with `username` (the resident ID number) and `password`, or
   `POST …/auth/code/request` with `phone`, then `POST …/auth/code/confirm` with the 6-digit code.
2. The answer's `meta.session_token` goes in the `X-Session-Token` header of every later request,
   to `/api/v1/` as well.
3. `DELETE …/auth/session` signs this device out; `GET`/`DELETE …/auth/sessions` lists and ends the
   others.
4. A forgotten password: `POST /api/v1/password-reset/` with `login` (ID number or mobile number)
   answers a `ticket` (the same answer for every number) and texts a code to the account's verified
   phone; `POST /api/v1/password-reset/confirm/` with `ticket`, `code` and `password` sets the new
   password and ends every session of the account.
"""


def _rename_refs(node, renames: dict[str, str]):
    if isinstance(node, dict):
        return {key: (renames.get(value, value) if key == "$ref" else _rename_refs(value, renames)) for key, value in node.items()}
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def _operation_id(method: str, path: str) -> str:
    tail = path.split("/v1/", 1)[1].removeprefix("auth/")  # auth_login_post, auth_code_request_post, auth_config_get
    return "auth_" + re.sub(r"[^a-z0-9]+", "_", f"{tail}_{method}".lower()).strip("_")


def _this_deployment(components: dict) -> None:
    schemas = components["schemas"]
    example = "370102199003071238"  # the demo citizen of `make run` (张三); check-valid (GB 11643), no import of demo code
    schemas["AuthUsername"] = {
        "type": "string", "minLength": 18, "maxLength": 18, "example": example,
        "description": "The resident ID number (居民身份证号码, GB 11643-1999): 17 digits and a check character (0-9 or X). "
                       "Upper or lower case x are both accepted. It is the account's one number everywhere (一号通行).",
    }
    schemas["AuthPhone"] = {
        "type": "string", "example": "13800000001",
        "description": "A mainland mobile number: 11 digits, with or without +86. Answers show it as +86…",
    }
    # allauth's Login is allOf + anyOf (username | email | phone), which generators collapse to the password alone
    schemas["AuthLogin"] = {
        "type": "object", "required": ["password"],
        "description": "Give `username` (the resident ID number) or `phone`, with the password.",
        "properties": {"username": {"$ref": "#/components/schemas/AuthUsername"}, "phone": {"$ref": "#/components/schemas/AuthPhone"},
                       "password": {"$ref": "#/components/schemas/AuthPassword"}},
        "example": {"username": example, "password": "Qilu-demo-2026"},
    }
    # allauth answers is_authenticated: null with a 410 (session gone); its own schema says boolean
    schemas["AuthAuthenticationMeta"]["allOf"][1]["properties"]["is_authenticated"]["nullable"] = True
    # its error body carries the status of any 4xx (400, 404, 405, 413 …), not only 400
    schemas["AuthErrorResponse"]["properties"]["status"] = {"type": "integer", "example": 400}
    # the flows allauth can answer, from its own constants: its spec lacks the passkey ones (mfa_login_webauthn …)
    from allauth.headless.constants import Flow

    schemas["AuthFlow"]["properties"]["id"]["enum"] = sorted(flow.value for flow in Flow)
    account = schemas["AuthAccountConfiguration"]
    account["properties"]["login_methods"]["items"]["enum"] = sorted(settings.ACCOUNT_LOGIN_METHODS)
    account["required"] = [name for name in account.get("required", []) if name in account["properties"]]


def _complete_responses(method: str, operation: dict) -> None:
    """Statuses allauth answers but does not list: any request may carry a session token that has
    ended (410), any sign-in write may be rate-limited (429) or unreadable (400), and an operation
    that needs a session answers 401 without one."""
    responses = operation["responses"]
    ref = "#/components/responses/"
    responses.setdefault("410", {"$ref": ref + "AuthSessionGone"})
    if method in ("post", "put", "patch", "delete"):
        responses.setdefault("400", {"$ref": ref + "AuthError"})
        responses.setdefault("429", {"$ref": ref + "AuthTooManyRequests"})
    if any(p.get("$ref", "").endswith("/AuthSessionToken") for p in operation.get("parameters", [])):
        responses.setdefault("401", {"$ref": ref + "AuthUnauthenticated"})
    if responses.get("401") == {"$ref": ref + "AuthReauthenticationRequired"}:  # without a session it answers "not signed in"
        responses["401"] = {"$ref": ref + "AuthAuthenticationOrReauthentication"}


def merge_sign_in(result, generator, request, public):
    from allauth.headless.spec.internal.schema import get_schema

    spec = copy.deepcopy(get_schema())
    renames, components = {}, {}
    for kind, items in spec.get("components", {}).items():
        for name, value in items.items():
            renames[f"#/components/{kind}/{name}"] = f"#/components/{kind}/Auth{name}"
            components.setdefault(kind, {})[f"Auth{name}"] = value
    client_parameter = "#/components/parameters/AuthClient"
    paths = {}
    for path, item in spec["paths"].items():
        if not KEEP.search(path):
            continue
        item = _rename_refs(item, renames)
        concrete = path.replace("{client}", "app")
        for method in METHODS:
            if method in item:
                operation = item[method]
                operation["parameters"] = [p for p in operation.get("parameters", []) if p.get("$ref") != client_parameter]
                operation["operationId"] = _operation_id(method, concrete)
                operation["tags"] = ["sign-in"]
                operation.setdefault("description", operation.get("summary", "").strip())
                _complete_responses(method, operation)
        item["parameters"] = [p for p in item.get("parameters", []) if p.get("$ref") != client_parameter]
        if not item["parameters"]:
            del item["parameters"]
        paths[concrete] = item
    components = _rename_refs(components, renames)
    components.get("parameters", {}).pop("AuthClient", None)
    _this_deployment(components)
    for kind, items in components.items():
        result.setdefault("components", {}).setdefault(kind, {}).update(items)
    result["paths"] = {**paths, **result["paths"]}
    result.setdefault("tags", []).insert(0, {"name": "sign-in", "description": "Sign-up, sign-in, one-time codes, phone verification and "
                                                                               "sessions (django-allauth's headless API, app client)."})
    result["info"]["description"] = result["info"].get("description", "") + "\n" + AUTH_ERRORS
    return result


def describe_callers(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation's description says who may call it —
    anyone, any signed-in person, the roles holding its permission, or a system with its scope —
    read from the view's own authentication and permission classes."""
    from rest_framework.permissions import AllowAny

    from identity.api.authentication import ApiClientAuthentication, ClientHasScope

    for path, _regex, method, callback in generator.endpoints:
        operation = result["paths"].get(path.replace("{pk}", "{id}"), {}).get(method.lower())  # the document calls pk "id"
        if operation is None:
            continue
        view = callback.cls
        checks = [permission() for permission in view.permission_classes]
        if not view.authentication_classes or any(isinstance(check, AllowAny) for check in checks) or not checks:
            who = "anyone, without signing in (public and cacheable)."
        elif any(issubclass(auth, ApiClientAuthentication) for auth in view.authentication_classes) or any(isinstance(c, ClientHasScope) for c in checks):
            who = (f"a registered system (an issuing department, the data-sharing platform) with the scope `{getattr(view, 'required_scope', '')}`, "
                   "sending `Authorization: Bearer <key id>.<secret>`.")
        elif perms := [check.perm for check in checks if hasattr(check, "perm")]:
            holders = sorted({f"{roles.LABELS.get(role, role)} (`{role}`)" for role, granted in roles.PERMISSIONS.items() for perm in perms if perm in granted})
            who = f"a signed-in staff member with the permission `{perms[0]}` (roles: {', '.join(holders) or '—'})."
        else:
            who = "any signed-in person, about their own data (`X-Session-Token` from sign-in); another person's data answers 404."
        operation["description"] = (operation.get("description", "").rstrip() + "\n\n" if operation.get("description") else "") + f"**Who may call:** {who}"
    return result
