"""Cache invalidation for the public catalogue and the public rating scores: any saved or deleted catalogue row moves the stamp
once its transaction commits (infrastructure only — no business rule lives here)."""

from identity.models import Department
from services.models import Category, ItemVersion, Material, Rating, Region, ServiceItem
from services.selectors import CATALOGUE, RATINGS

CATALOGUE.watch(ServiceItem, ItemVersion, Material, Category, Region, Department, through=(ServiceItem.categories.through,))
RATINGS.watch(Rating, ServiceItem, Department)
