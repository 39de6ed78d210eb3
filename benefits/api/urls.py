from django.urls import path

from benefits.api import views

urlpatterns = [
    path("benefits/", views.EntitlementListApi.as_view(), name="api-benefits"),
    path("benefits/<int:pk>/why/", views.EntitlementWhyApi.as_view(), name="api-benefit-why"),
    path("benefits/<int:pk>/confirm/", views.EntitlementConfirmApi.as_view(), name="api-benefit-confirm"),
    path("benefits/<int:pk>/decline/", views.EntitlementDeclineApi.as_view(), name="api-benefit-decline"),
    path("benefits/<int:pk>/object/", views.EntitlementObjectApi.as_view(), name="api-benefit-object"),
]
