"""URLs of the open-standard endpoints (credentials/openid.py), mounted at the site's root: the
well-known documents must sit at fixed paths under the issuer's origin."""

from django.urls import path

from credentials import openid

urlpatterns = [
    path(".well-known/openid-credential-issuer", openid.credential_issuer, name="openid-credential-issuer"),
    path(".well-known/oauth-authorization-server", openid.authorization_server, name="oauth-authorization-server"),
    path(".well-known/jwt-vc-issuer", openid.jwt_vc_issuer, name="jwt-vc-issuer"),
    path("vct/<slug:code>", openid.type_metadata, name="vct"),
    path("status-lists/<int:list_id>", openid.status_list, name="status-list"),
    path("oid4vci/nonce", openid.nonce, name="oid4vci-nonce"),
    path("oid4vci/token", openid.token, name="oid4vci-token"),
    path("oid4vci/credential", openid.credential, name="oid4vci-credential"),
    path("oid4vci/authorize", openid.authorize, name="oid4vci-authorize"),
    path("oid4vp/requests/<uuid:pk>", openid.presentation_request, name="oid4vp-request"),
    path("oid4vp/responses/<uuid:pk>", openid.presentation_response, name="oid4vp-response"),
]
