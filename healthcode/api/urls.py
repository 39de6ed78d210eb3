from django.urls import path

from healthcode.api import prefetch as reads_first
from healthcode.api import views
from identity import prefetch

urlpatterns = [
    # the two hottest first (showing my pass, a checkpoint's scan): each pattern before them is tried on each
    path("pass/", views.PassApi.as_view(), name="api-health-pass"),
    path("checks/", views.CheckApi.as_view(), name="api-health-check"),
    path("pass/checks/", views.MyChecksApi.as_view(), name="api-health-my-checks"),
    path("declarations/", views.DeclarationApi.as_view(), name="api-health-declare"),
    path("visits/", views.VisitApi.as_view(), name="api-health-visit"),
    path("appeals/", views.AppealListApi.as_view(), name="api-health-appeals"),
    path("dependants/", views.DependantListApi.as_view(), name="api-health-dependants"),
    path("dependants/<int:pk>/revoke/", views.DependantRevokeApi.as_view(), name="api-health-dependant-revoke"),
    path("venues/", views.VenueListApi.as_view(), name="api-health-venues"),
    path("import/<str:kind>/", views.HealthImportApi.as_view(), name="api-health-import"),
]

prefetch.declare("api-health-pass", reads_first.my_pass)  # my status, read with my session
