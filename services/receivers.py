"""Cache invalidation for the public catalogue: any saved or deleted catalogue row moves the stamp
once its transaction commits (infrastructure only — no business rule lives here)."""

from identity.models import Department
from services.models import Category, ItemVersion, Material, Region, ServiceItem
from services.selectors import CATALOGUE

CATALOGUE.watch(ServiceItem, ItemVersion, Material, Category, Region, Department, through=(ServiceItem.categories.through,))
