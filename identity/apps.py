from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("统一身份认证")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from identity import blind_indexes, ratelimits, receivers  # noqa: F401  (connects sign-in audit receivers)

        for model in ("User", "PopulationRecord"):  # while QILU_BLIND_INDEX=dual, both indexes are written
            post_save.connect(lambda sender, instance, update_fields=None, **kw: blind_indexes.stage(instance, update_fields),
                             sender=f"identity.{model}", dispatch_uid=f"identity.blind_indexes.stage.{model}", weak=False)
        ratelimits.install()  # allauth's limits keep a per-process floor while Redis is away (core.ratelimits)
        from identity.third_party_names import name_third_party_models

        name_third_party_models()  # allauth's authenticators and sessions in words in the admin
