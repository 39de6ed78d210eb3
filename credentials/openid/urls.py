"""URLs of the open-standard endpoints (credentials/openid/views.py), mounted at the site's root: the
well-known documents must sit at fixed paths under the issuer's origin."""

from django.urls import path, re_path

from credentials.openid import views

urlpatterns = [
    path(".well-known/openid-credential-issuer", views.credential_issuer, name="openid-credential-issuer"),
    path(".well-known/oauth-authorization-server", views.authorization_server, name="oauth-authorization-server"),
    path(".well-known/jwt-vc-issuer", views.jwt_vc_issuer, name="jwt-vc-issuer"),
    path("vct/<slug:code>", views.type_metadata, name="vct"),
    path("status-lists/<int:list_id>", views.status_list, name="status-list"),
    path("oid4vci/nonce", views.nonce, name="oid4vci-nonce"),
    path("oid4vci/token", views.token, name="oid4vci-token"),
    path("oid4vci/credential", views.credential, name="oid4vci-credential"),
    path("oid4vci/authorize", views.authorize, name="oid4vci-authorize"),
    path("oid4vp/requests/<uuid:pk>", views.presentation_request, name="oid4vp-request"),
    path("oid4vp/responses/<uuid:pk>", views.presentation_response, name="oid4vp-response"),
    # Any other /.well-known/ path (after /.well-known/jwks.json in portal/urls.py): a JSON 404, not the HTML page
    re_path(r"^\.well-known/(?P<rest>.*)$", views.well_known_unknown, name="well-known-unknown"),
]
