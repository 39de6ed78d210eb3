"""What the services app tells other apps (django-oscar's ``order/signals.py``): sent inside the
transaction that made the change. The knowledge app rebuilds its search index after commit."""

import django.dispatch

guide_published = django.dispatch.Signal()  # sender=ItemVersion, version=…: an item's guide is now in force
