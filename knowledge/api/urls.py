from django.urls import path

from knowledge.api import views

urlpatterns = [
    path("knowledge/answer/", views.AnswerApi.as_view(), name="api-knowledge-answer"),
    path("knowledge/feedback/", views.FeedbackApi.as_view(), name="api-knowledge-feedback"),
]
