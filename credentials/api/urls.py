from django.urls import path

from credentials.api import views

urlpatterns = [
    path("credential-types/", views.CredentialTypesApi.as_view(), name="api-credential-types"),
    path("credential-types/<slug:code>/", views.CredentialTypeApi.as_view(), name="api-credential-type"),
    path("issuer/credentials/", views.CredentialPushApi.as_view(), name="api-issuer-push"),
    path("issuer/credentials/<str:record_id>/", views.IssuedCredentialApi.as_view(), name="api-issuer-credential"),
    path("issuer/credentials/<str:record_id>/status/", views.CredentialStatusApi.as_view(), name="api-issuer-status"),
    path("wallet/", views.WalletApi.as_view(), name="api-wallet"),
    path("wallet/checks/", views.ChecksApi.as_view(), name="api-wallet-checks"),
    path("wallet/<str:identifier>/", views.WalletCredentialApi.as_view(), name="api-wallet-credential"),
    path("wallet/<str:identifier>/card.png", views.CardImageApi.as_view(), name="api-wallet-card"),
    path("wallet/<str:identifier>/document.pdf", views.CredentialDocumentApi.as_view(), name="api-wallet-document"),
    path("wallet/<str:identifier>/presentations/", views.PresentationApi.as_view(), name="api-wallet-present"),
    path("verifications/", views.VerifyApi.as_view(), name="api-verify"),
    path("verifications/<uuid:pk>/photo.jpg", views.VerificationPhotoApi.as_view(), name="api-verification-photo"),
]
