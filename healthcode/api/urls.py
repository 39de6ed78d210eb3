from django.urls import path

from healthcode.api import prefetch as reads_first
from healthcode.api import views
from identity import prefetch

urlpatterns = [
    path("health/pass/", views.PassApi.as_view(), name="api-health-pass"),
    path("health/pass/checks/", views.MyChecksApi.as_view(), name="api-health-my-checks"),
    path("health/declarations/", views.DeclarationApi.as_view(), name="api-health-declare"),
    path("health/visits/", views.VisitApi.as_view(), name="api-health-visit"),
    path("health/appeals/", views.AppealListApi.as_view(), name="api-health-appeals"),
    path("health/dependants/", views.DependantListApi.as_view(), name="api-health-dependants"),
    path("health/dependants/<int:pk>/revoke/", views.DependantRevokeApi.as_view(), name="api-health-dependant-revoke"),
    path("health/checks/", views.CheckApi.as_view(), name="api-health-check"),
    path("health/venues/", views.VenueListApi.as_view(), name="api-health-venues"),
    path("health/import/<str:kind>/", views.HealthImportApi.as_view(), name="api-health-import"),
]

prefetch.declare("api-health-pass", reads_first.my_pass)  # my status, read with my session
