from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("统一身份认证")

    def ready(self) -> None:
        from identity import ratelimits, receivers  # noqa: F401  (connects sign-in audit receivers)

        ratelimits.install()  # allauth's limits keep a per-process floor while Redis is away (core.ratelimits)
