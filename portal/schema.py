"""OpenAPI descriptions of our authentication schemes, so /api/schema/ tells clients how to sign in."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.authentication.SessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Token",
            "description": "The session token from allauth's app sign-in (/_allauth/app/v1/auth/login).",
        }


class ApiClientScheme(OpenApiAuthenticationExtension):
    target_class = "identity.api.authentication.ApiClientAuthentication"
    name = "systemClient"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "System clients: `Bearer <key id>.<secret>`."}
