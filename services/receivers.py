"""Cache invalidation for the public catalogue: any saved or deleted catalogue row moves the stamp
once its transaction commits (infrastructure only — no business rule lives here)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from identity.models import Department
from services import public_cache
from services.models import Category, ItemVersion, Material, Region, ServiceItem


def _changed(sender, **kwargs):
    transaction.on_commit(public_cache.bump)


for model in (ServiceItem, ItemVersion, Material, Category, Region, Department):
    post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-stamp-save-{model.__name__}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"catalogue-stamp-delete-{model.__name__}")
m2m_changed.connect(_changed, sender=ServiceItem.categories.through, dispatch_uid="catalogue-stamp-categories")
