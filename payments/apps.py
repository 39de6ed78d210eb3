from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("缴费")

    def ready(self) -> None:
        from payments import receivers, tasks  # noqa: F401  (the beat's tasks, registered before the beat names them)

        receivers.connect()
