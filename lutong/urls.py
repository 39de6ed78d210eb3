from django.urls import path

from lutong import views

urlpatterns = [
    path("", views.code_page, name="lutong-code"),
    path("code.json", views.code_json, name="lutong-code-json"),
    path("scenarios/", views.register, name="lutong-register"),
    path("scenarios/<slug:code>/switch/", views.switch, name="lutong-switch"),
]
