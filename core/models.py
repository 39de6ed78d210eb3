"""Work that could not reach the broker: kept in the database and sent again when it is back."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QueuedTask(models.Model):
    """A task waiting for the broker: written in the caller's transaction, sent after commit (the outbox)."""

    name = models.CharField(_("任务"), max_length=128)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("待投递任务")
        verbose_name_plural = _("待投递任务")
        ordering = ["id"]
        db_table = "portal_queuedtask"  # moved from portal with its rows (state-only migration)

    def __str__(self) -> str:
        return self.name


class Bilingual:
    """For a model with ``name`` (Chinese, the official name) and ``name_en``: ``local_name`` is the
    English one when the request is in English and one is set, else the Chinese one. Pages and API
    answers show ``local_name``; search and documents keep the official name."""

    @property
    def local_name(self) -> str:
        from django.utils.translation import get_language

        return (self.name_en or self.name) if get_language() == "en" else self.name
