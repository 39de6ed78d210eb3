from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = _("电子证照")

    def ready(self):
        from credentials import receivers  # noqa: F401
        from credentials.exports import register_export

        register_export()
