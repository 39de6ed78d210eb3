from django.apps import AppConfig


class PaysimConfig(AppConfig):
    """A local stand-in for the province's unified payment platform (非税收入统一支付平台)."""

    name = "paysim"
    verbose_name = "支付平台模拟器"
