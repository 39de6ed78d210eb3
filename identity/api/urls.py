from django.urls import path

from identity.api import views

urlpatterns = [
    path("password-reset/", views.PasswordResetRequestApi.as_view(), name="api-password-reset"),
    path("password-reset/confirm/", views.PasswordResetConfirmApi.as_view(), name="api-password-reset-confirm"),
    path("me/", views.ProfileApi.as_view(), name="api-profile"),
    path("me/export/", views.PersonalDataExportApi.as_view(), name="api-personal-data-export"),
    path("me/notices/", views.NoticeListApi.as_view(), name="api-notices"),
    path("me/notices/<int:pk>/read/", views.NoticeReadApi.as_view(), name="api-notice-read"),
    path("me/audit-events/", views.AuditEventListApi.as_view(), name="api-audit-events"),
    path("organisations/", views.OrganisationListApi.as_view(), name="api-organisations"),
    path("organisations/<str:credit_code>/", views.OrganisationDetailApi.as_view(), name="api-organisation"),
    path("organisations/<str:credit_code>/agents/", views.AgentListApi.as_view(), name="api-agents"),
    path("organisations/<str:credit_code>/agents/<int:pk>/revoke/", views.AgentRevokeApi.as_view(), name="api-agent-revoke"),
    path("base-records/people/", views.BaseRecordsSyncApi.as_view(), {"kind": "people"}, name="api-base-records-people"),
    path("base-records/entities/", views.BaseRecordsSyncApi.as_view(), {"kind": "entities"}, name="api-base-records-entities"),
]
