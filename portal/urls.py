from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from benefits import views as benefits_views
from credentials.api.urls import hot_patterns as credentials_hot
from credentials.api.views import JwksApi
from credentials.views import register, request_console, verify_console
from identity import password_reset, prefetch
from portal import dashboard, views
from portal.metrics import metrics_view

api_v1 = [
    path("", include("identity.api.urls")),
    path("", include("credentials.api.urls")),
    path("", include("services.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("knowledge.api.urls")),
    path("", include("appeals.api.urls")),
    path("", include("benefits.api.urls")),
    path("", include("lutong.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    # The health pass's API before every other pattern: showing my pass and a checkpoint's scan are the
    # hottest requests, and each pattern tried before theirs costs every one of them (no other route
    # begins api/v1/health/; docs/scaling.md). Under its own prefix, so a request for any other path
    # (亮证 and its scan, next) is turned away by one comparison, not by each of its patterns.
    path("api/v1/health/", include("healthcode.api.urls")),
    path("api/v1/", include(credentials_hot)),  # 亮证 and its scan, likewise (credentials/api/urls.py)
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # 忘记密码 by SMS code (identity/password_reset.py) at allauth's own address, so every link to it
    # (sign-in, 修改密码) leads here and never to allauth's e-mail form
    path("accounts/password/reset/", password_reset.reset_request, name="password-reset"),
    path("accounts/password/reset/code/", password_reset.reset_code, name="password-reset-code"),
    path("accounts/", include("allauth.urls")),
    # allauth's own spec viewer loads ReDoc from a CDN (blank on a closed network): sign-in is in our one document
    path("_allauth/openapi.html", RedirectView.as_view(url="/api/docs/#/sign-in", permanent=False)),
    path("_allauth/", include("allauth.headless.urls")),
    path(".well-known/jwks.json", JwksApi.as_view(), name="jwks"),
    path("", include("credentials.openid.urls")),
    path("account/", include("identity.urls")),
    path("messages/", views.message_list, name="messages"),
    path("messages/read-all/", views.message_read_all, name="messages-read-all"),
    path("messages/<int:pk>/", views.message_open, name="message"),
    path("wallet/", include("credentials.urls")),
    path("verify/", verify_console, name="verify-console"),
    path("verify/wallet/", request_console, name="verify-wallet"),
    path("verifiers/", register, name="verifier-register"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("yardsticks/", dashboard.public, name="yardsticks"),
    path("health/", include("healthcode.urls")),
    path("", include("family.urls")),  # 家人 (docs/family.md)
    path("services/", include("services.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("cases/", include("appeals.urls")),
    path("benefits/", include("benefits.urls")),
    path("api/v1/benefits/payouts/notify/", benefits_views.payout_notify, name="benefits-payout-notify"),  # the payment platform's signed transfer notices
    path("lutong/", include("lutong.urls")),
    path("", include("payments.urls")),  # the payment platform's signed notifications
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]


handler500 = "portal.middleware.server_error"
handler404 = "portal.middleware.not_found"
handler400 = "portal.middleware.bad_request"

if settings.PAYSIM_ENABLED:
    urlpatterns += [path("paysim/", include("paysim.urls"))]

if settings.QILU_BENCH:
    urlpatterns += [path("bench/bare", views.bench_bare), path("bench/drf", views.BenchAuthenticatedApi.as_view()),
                    path("bench/drf-anon", views.BenchAnonymousApi.as_view()),
                    ]
    # Each floor resolved where its path is, right after the hot routes: a floor pays no more URL patterns than its path
    hot = next(i for i, pattern in enumerate(urlpatterns) if getattr(pattern, "urlconf_name", None) is credentials_hot) + 1
    urlpatterns[hot:hot] = [path("bench/floor-show/<str:identifier>", views.BenchShowFloorApi.as_view(), name=views.FLOOR_SHOW_ROUTE),
                            path("bench/floor-verify", views.BenchVerifyFloorApi.as_view(), name="bench-floor-verify"),
                            path("bench/floor-check", views.BenchCheckFloorApi.as_view())]
    prefetch.declare("bench-floor-verify", views.floor_verify_reads_first)  # read with the session, as the scan's
