from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户")

    def ready(self) -> None:
        from portal import schema, tasks  # noqa: F401  (OpenAPI auth extensions; the relay task and its worker hook)
        from portal.metrics import register

        register()
