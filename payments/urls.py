"""The payments app's addresses outside the API document: the platform's signed notifications."""

from django.urls import path

from payments import views

urlpatterns = [
    path("api/v1/payments/notify/", views.notify, name="payments-notify"),
]
