"""Admin for payments: read-only records (every change goes through the services), and a refund action that
uses the same service as the owner's API."""

from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from payments.models import Payment, Refund, ShopPaymentSettings, StripeEvent
from payments.serializers import money
from payments.services.refunds import refund_create


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = readonly_fields = ("amount", "reason", "idempotency_key", "stripe_refund_id", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["order", "provider", "status", "currency", "amount", "refunded_amount", "is_disputed", "created_at"]
    list_filter = ["provider", "status", "is_disputed"]
    search_fields = ["intent_id", "order__order_number"]
    list_select_related = ["order"]
    inlines = [RefundInline]
    actions = ["refund_rest_in_full"]

    @admin.action(description="Refund what is left of the payment (no stock returned)")
    def refund_rest_in_full(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset.select_related("order"):
            left = payment.amount - payment.refunded_amount
            if left <= 0:
                continue
            refund_create(
                payment=payment,
                amount=Decimal(money(left, payment.currency)),
                idempotency_key=f"admin-rest-{payment.refunded_amount}",
                restock_item_ids=[],
                reason="Refunded from the admin",
            )
            self.message_user(
                request, f"Refunded {money(left, payment.currency)} of {payment.order}.", messages.SUCCESS
            )


@admin.register(ShopPaymentSettings)
class ShopPaymentSettingsAdmin(ReadOnlyAdmin):
    list_display = ["shop", "manual_enabled", "stripe_enabled", "stripe_account_id", "stripe_charges_enabled"]
    raw_id_fields = ["shop"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at", "applied_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id"]
