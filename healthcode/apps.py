from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthcodeConfig(AppConfig):
    name = "healthcode"
    verbose_name = _("健康通行码")

    def ready(self):
        from healthcode.exports import register_export

        register_export()
