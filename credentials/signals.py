"""The credentials app's own signals (django-oscar's habit: an app's signals in one module)."""

from django.dispatch import Signal

# A bulk write of credentials (a queryset's ``update``/``bulk_create``/``bulk_update``) changed these
# holders' credentials: ``indexes`` (holder indexes), ``using`` (the database alias). Received by
# ``credentials.receivers`` for the holders' mirrored stamps (``credentials.held``).
holders_written = Signal()
