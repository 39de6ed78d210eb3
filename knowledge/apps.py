from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("知识库与智能问答")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from knowledge import receivers, selectors  # noqa: F401
        from services.selectors import ITEM_RANKERS

        # the catalogue's search ranks items through this retrieval (services does not import us)
        ITEM_RANKERS[:] = [selectors.item_codes]
