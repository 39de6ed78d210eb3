from django.urls import path

from credentials.api import openid_views, views
from credentials.api import prefetch as reads_first
from identity import prefetch

# 亮证 and its scan, resolved before every other pattern (portal/urls.py): the hottest wallet requests,
# and each pattern tried before theirs costs every one of them. Nothing else matches these paths.
hot_patterns = [
    path("wallet/<str:identifier>/presentations/", views.PresentationApi.as_view(), name="api-wallet-present"),
    path("verifications/", views.VerifyApi.as_view(), name="api-verify"),
]
# What each reads first, read with the session (identity.prefetch)
prefetch.declare("api-wallet-present", reads_first.show)
prefetch.declare("api-verify", reads_first.scan)

urlpatterns = [
    path("credential-types/", views.CredentialTypesApi.as_view(), name="api-credential-types"),
    path("credential-types/<slug:code>/", views.CredentialTypeApi.as_view(), name="api-credential-type"),
    path("issuer/credentials/", views.CredentialPushApi.as_view(), name="api-issuer-push"),
    path("issuer/credentials/<str:record_id>/", views.IssuedCredentialApi.as_view(), name="api-issuer-credential"),
    path("issuer/credentials/<str:record_id>/status/", views.CredentialStatusApi.as_view(), name="api-issuer-status"),
    path("wallet/", views.WalletApi.as_view(), name="api-wallet"),
    path("wallet/checks/", views.ChecksApi.as_view(), name="api-wallet-checks"),
    path("wallet/shared/", openid_views.SharedApi.as_view(), name="api-wallet-shared"),
    path("wallet/<str:identifier>/offers/", openid_views.WalletOfferApi.as_view(), name="api-wallet-offer"),
    path("wallet/<str:identifier>/", views.WalletCredentialApi.as_view(), name="api-wallet-credential"),
    path("wallet/<str:identifier>/card.png", views.CardImageApi.as_view(), name="api-wallet-card"),
    path("wallet/<str:identifier>/document.pdf", views.CredentialDocumentApi.as_view(), name="api-wallet-document"),
    path("verifications/<uuid:pk>/photo.jpg", views.VerificationPhotoApi.as_view(), name="api-verification-photo"),
    path("relying-parties/", openid_views.RelyingPartiesApi.as_view(), name="api-relying-parties"),
    path("presentation-requests/", openid_views.PresentationRequestsApi.as_view(), name="api-presentation-requests"),
    path("presentation-requests/<uuid:pk>/", openid_views.PresentationRequestApi.as_view(), name="api-presentation-request"),
]
