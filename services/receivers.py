"""Cache invalidation for the public catalogue and the public rating scores (any saved or deleted row
moves the stamp once its transaction commits), and the payments app's "paid" signal handed to the
application use cases."""

from django.dispatch import receiver

from identity.models import Department
from payments.signals import order_paid
from services.models import Bundle, BundlePart, Category, ItemVersion, Material, Rating, Region, ServiceItem
from services.selectors import CATALOGUE, RATINGS
from services.services.applications import fee_paid

CATALOGUE.watch(ServiceItem, ItemVersion, Material, Category, Region, Department, Bundle, BundlePart, through=(ServiceItem.categories.through,))
RATINGS.watch(Rating, ServiceItem, Department)


@receiver(order_paid)
def _fee_paid(sender, order, **kwargs):
    if order.purpose == "application":
        fee_paid(order)
