from django.urls import path

from appeals import views

urlpatterns = [
    path("", views.my_cases, name="cases-mine"),
    path("new/", views.case_new, name="case-new"),
    path("track/", views.case_track, name="case-track"),
    path("staff/", views.department_queue, name="cases-department"),
    path("staff/dispatch/", views.dispatch_queue, name="cases-dispatch"),
    path("staff/<str:number>/", views.staff_case, name="case-staff"),
    path("<str:number>/", views.case_mine, name="case-mine"),
]
