from django.urls import path

from knowledge import views

urlpatterns = [
    path("", views.ask, name="knowledge-ask"),
    path("a/<slug:slug>/", views.article, name="knowledge-article"),
    path("feedback/", views.feedback, name="knowledge-feedback"),
]
