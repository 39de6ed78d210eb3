from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("掌上办")

    def ready(self):
        from services import receivers  # noqa: F401 — connects the catalogue cache invalidation
        from services.exports import register_export

        register_export()
