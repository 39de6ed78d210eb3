from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaysimConfig(AppConfig):
    """A local stand-in for the province's unified payment platform (非税收入统一支付平台)."""

    name = "paysim"
    verbose_name = _("支付平台模拟器")
