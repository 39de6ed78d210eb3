from django.urls import path

from appeals.api import views

urlpatterns = [
    path("cases/", views.CaseListApi.as_view(), name="api-cases"),
    path("cases/track/", views.TrackApi.as_view(), name="api-case-track"),
    path("cases/record/", views.RecordApi.as_view(), name="api-case-record"),
    path("cases/import/", views.ImportApi.as_view(), name="api-case-import"),
    path("cases/categories/", views.CategoriesApi.as_view(), name="api-case-categories"),
    path("cases/scores/", views.ScoresApi.as_view(), name="api-case-scores"),
    path("cases/queue/dispatch/", views.DispatchQueueApi.as_view(), name="api-case-dispatch-queue"),
    path("cases/queue/department/", views.DepartmentQueueApi.as_view(), name="api-case-department-queue"),
    path("cases/staff/<str:number>/", views.StaffCaseApi.as_view(), name="api-case-staff"),
    path("cases/<str:number>/", views.CaseApi.as_view(), name="api-case"),
    path("cases/<str:number>/steps/", views.StepApi.as_view(), name="api-case-steps"),
    path("cases/<str:number>/callback/", views.CallbackApi.as_view(), name="api-case-callback"),
    path("ratings/<int:pk>/escalate/", views.EscalateApi.as_view(), name="api-rating-escalate"),
]
