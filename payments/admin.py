"""The finance office's view: orders, every notification acted on or refused, reconciliations (read-only:
money moves only through the use cases)."""

from django.contrib import admin

from core.admin_inlines import LabelledTabularInline
from identity.admin import ReadOnlyAdmin
from payments.models import Order, PaymentEvent, Reconciliation


class EventInline(LabelledTabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "notification_id", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "reference", "amount_fen", "status", "paid_at", "refunded_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["number", "reference", "provider_trade_no"]
    fields = ["number", "purpose", "reference", "amount_fen", "description", "status", "provider_trade_no", "paid_at", "refunded_at", "receipt",
              "created_at"]
    inlines = [EventInline]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "order", "notification_id"]
    list_filter = ["kind"]


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = ["day", "ours_fen", "theirs_fen", "checked_at"]
    fields = ["day", "ours_fen", "theirs_fen", "differences", "checked_at"]
