from django.urls import path

from lutong.api import views

urlpatterns = [
    path("lutong/code/", views.CodeApi.as_view(), name="api-lutong-code"),
    path("lutong/resolve/", views.ResolveApi.as_view(), name="api-lutong-resolve"),
    path("lutong/scenarios/", views.ScenariosApi.as_view(), name="api-lutong-scenarios"),
    path("lutong/my-scenarios/", views.MyScenariosApi.as_view(), name="api-lutong-my-scenarios"),
    path("lutong/my-scenarios/<slug:code>/", views.MyScenarioApi.as_view(), name="api-lutong-my-scenario"),
]
