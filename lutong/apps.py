from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LutongConfig(AppConfig):
    name = "lutong"
    verbose_name = _("鲁通码")

    def ready(self):
        from lutong import actions, receivers  # noqa: F401 — the audit vocabulary and the register's cache stamp
