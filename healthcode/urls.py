from django.urls import path

from healthcode import views

urlpatterns = [
    path("", views.pass_page, name="health-pass"),
    path("pass.json", views.pass_json, name="health-pass-json"),
    path("declare/", views.declare, name="health-declare"),
    path("appeal/", views.appeal, name="health-appeal"),
    path("dependants/", views.dependants, name="health-dependants"),
    path("v/<str:code>/", views.venue_visit, name="health-venue-visit"),
    path("venues/", views.venues, name="health-venues"),
    path("venues/<str:code>/", views.venue_poster, name="health-venue-poster"),
    path("check/", views.checkpoint, name="health-checkpoint"),
    path("stats/", views.statistics, name="health-stats"),
]
