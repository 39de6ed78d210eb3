from django.urls import path

from family import views

urlpatterns = [
    path("family/", views.family, name="family"),
    path("family/<int:pk>/act/", views.act_for, name="family-act"),
    path("family/<int:pk>/<str:step>/", views.link_step, name="family-step"),
    path("family/verify/", views.verify_queue, name="family-verify"),
]
