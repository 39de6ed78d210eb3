from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户")

    def ready(self) -> None:
        from portal import schema, tasks  # noqa: F401  (OpenAPI auth extensions; the relay task and its worker hook)
        from portal.metrics import register

        register()


class QiluAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "portal.admin_site.QiluAdminSite"

    def ready(self) -> None:
        from core.lazy import defer_tablib_formats

        defer_tablib_formats()  # before autodiscover imports django-import-export: no openpyxl or numpy in the web worker
        super().ready()
