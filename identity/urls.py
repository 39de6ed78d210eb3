from django.urls import path

from identity import views

urlpatterns = [
    path("", views.account_home, name="account-home"),
    path("elder-mode/", views.elder_mode, name="elder-mode"),
    path("second-factor/", views.second_factor_gate, name="second-factor"),
    path("organisations/register/", views.organisation_register, name="organisation-register"),
    path("organisations/<str:credit_code>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<str:credit_code>/agents/<int:pk>/revoke/", views.agent_revoke, name="agent-revoke"),
]
