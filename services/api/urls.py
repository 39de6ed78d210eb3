from django.urls import path

from services.api import views

urlpatterns = [
    path("items/", views.CatalogueApi.as_view(), name="api-items"),
    path("items/<str:code>/", views.ItemApi.as_view(), name="api-item"),
    path("items/<str:code>/form/", views.FormApi.as_view(), name="api-item-form"),
    path("uploads/", views.UploadApi.as_view(), name="api-uploads"),
    path("uploads/<uuid:pk>/", views.UploadDownloadApi.as_view(), name="api-upload"),
    path("bundles/", views.BundleListApi.as_view(), name="api-bundles"),
    path("bundles/<slug:code>/form/", views.BundleFormApi.as_view(), name="api-bundle-form"),
    path("bundle-applications/", views.BundleApplyApi.as_view(), name="api-bundle-applications"),
    path("bundle-applications/<str:number>/", views.BundleApplicationApi.as_view(), name="api-bundle-application"),
    path("applications/", views.ApplicationListApi.as_view(), name="api-applications"),
    path("applications/<str:number>/", views.ApplicationApi.as_view(), name="api-application"),
    path("applications/<str:number>/withdraw/", views.WithdrawApi.as_view(), name="api-application-withdraw"),
    path("applications/<str:number>/cancel/", views.CancelApi.as_view(), name="api-application-cancel"),
    path("applications/<str:number>/resubmit/", views.ResubmitApi.as_view(), name="api-application-resubmit"),
    path("applications/<str:number>/result.pdf", views.ResultPdfApi.as_view(), name="api-application-result"),
    path("applications/<str:number>/rating/", views.RatingApi.as_view(), name="api-application-rating"),
    path("applications/<str:number>/rating/revise/", views.RatingReviseApi.as_view(), name="api-application-rating-revise"),
    path("visits/<int:pk>/rating/", views.VisitRatingApi.as_view(), name="api-visit-rating"),
    path("rectifications/", views.RectificationListApi.as_view(), name="api-rectifications"),
    path("rectifications/<int:pk>/<str:step>/", views.RectificationStepApi.as_view(), name="api-rectification-step"),
    path("ratings/items/", views.ItemScoresApi.as_view(), name="api-rating-items"),
    path("ratings/departments/", views.DepartmentRankingApi.as_view(), name="api-rating-departments"),
    path("workbench/", views.WorkbenchApi.as_view(), name="api-workbench"),
    path("workbench/on-behalf/", views.OnBehalfApi.as_view(), name="api-on-behalf"),
    path("workbench/<str:number>/<str:action>/", views.WorkbenchActionApi.as_view(), name="api-workbench-action"),
]
