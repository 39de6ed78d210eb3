"""What the payments app tells other apps (django-oscar's ``order/signals.py``): sent inside the
transaction that records the change, so a receiver's writes commit or roll back with it. The services
app moves the application on (``services/receivers.py``)."""

import django.dispatch

order_paid = django.dispatch.Signal()  # sender=Order, order=…: the fee arrived
order_refunded = django.dispatch.Signal()  # sender=Order, order=…: the money went back
