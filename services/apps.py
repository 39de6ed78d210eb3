from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("掌上办")

    def ready(self):
        from core.public_cache import answer_early
        from services import receivers  # noqa: F401 — connects the catalogue cache invalidation
        from services.exports import register_export
        from services.selectors import CATALOGUE

        register_export()
        answer_early("api-items", CATALOGUE)  # the catalogue list's cached answers, before DRF (core.public_cache)
