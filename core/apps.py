from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The kernel every app stands on: domain errors, the use-case contract, the task outbox, field
    schemas, and the rules about a person's numbers (age, birth date, masking). Nothing domain-specific."""

    name = "core"
    verbose_name = _("平台内核")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import pre_save

        from core.limits import refuse_too_long

        pre_save.connect(refuse_too_long, dispatch_uid="core.limits.refuse_too_long")  # every text within its field's limit
        refuse_unreachable_crypto()


def refuse_unreachable_crypto() -> None:
    """Production does not start with a crypto provider that cannot work (a cipher device it cannot reach)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from core import crypto

    if not settings.IS_PROD:
        return
    try:
        crypto.provider().check()
    except crypto.CryptoError as exc:
        raise ImproperlyConfigured(f"Refusing to start with QILU_ENV=prod: the {settings.QILU_CRYPTO_PROVIDER} crypto provider does not work: {exc}") from exc
