from django.urls import path

from payments.api import views

urlpatterns = [
    path("applications/<str:number>/payment/", views.PaymentApi.as_view(), name="api-application-payment"),
]
