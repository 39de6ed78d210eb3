from django.urls import path

from benefits import views

urlpatterns = [
    path("", views.mine, name="benefits"),
    path("<int:pk>/", views.entitlement, name="benefit"),
    path("why/<str:code>/", views.why_not_me, name="benefit-why"),
]
