from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilyConfig(AppConfig):
    name = "family"
    verbose_name = _("家庭代办")

    def ready(self):
        from family.exports import register_export

        register_export()
