from django.urls import path

from services import views

urlpatterns = [
    path("", views.catalogue, name="services-catalogue"),
    path("applications/", views.my_applications, name="my-applications"),
    path("applications/<str:number>/", views.application_detail, name="application-detail"),
    path("applications/<str:number>/<str:action>/", views.application_action, name="application-action"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/<str:number>/", views.workbench_detail, name="workbench-detail"),
    path("counter/", views.counter, name="services-counter"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("notices/<str:signed>/", views.notice_check, name="notice-check"),
    path("ratings/", views.rating_board, name="rating-board"),
    path("visits/<int:pk>/rate/", views.visit_rate, name="visit-rate"),
    path("bundles/", views.bundle_list, name="bundles"),
    path("bundles/<slug:code>/apply/", views.bundle_apply, name="bundle-apply"),
    path("bundle-applications/<str:number>/", views.bundle_application, name="bundle-application"),
    path("items/<str:code>/", views.guide, name="services-guide"),
    path("items/<str:code>/apply/", views.apply, name="services-apply"),
]
