"""Admin for carts and orders. Order lines are a read-only snapshot; a status change goes through the
same service as the API (allowed transitions only, stock given back on cancel or refund)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from orders.models import Cart, CartItem, Order, OrderItem
from orders.services.orders import order_status_change, order_status_transition_check


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    fields = ["product", "inventory_item", "option_key", "quantity", "updated_at"]
    readonly_fields = ["updated_at"]
    raw_id_fields = ["product", "inventory_item"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["__str__", "shop", "status", "created_at", "updated_at"]
    list_filter = ["status", "shop"]
    search_fields = ["token"]
    list_select_related = ["shop"]
    readonly_fields = ["token", "created_at", "updated_at"]
    raw_id_fields = ["shop"]
    inlines = [CartItemInline]


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "product_name",
        "option_label",
        "sku",
        "quantity",
        "unit_price",
        "subtotal_amount",
        "stock_taken",
        "product",
        "inventory_item",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderAdminForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ["status"]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if self.instance.pk:
            try:
                order_status_transition_check(current=self.instance.status, new=status)
            except ValidationError as error:
                raise ValidationError(error.message_dict["status"]) from None
        return status


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    form = OrderAdminForm
    list_display = ["order_number", "shop", "status", "total_amount", "currency", "customer_email", "placed_at"]
    list_filter = ["status", "shop"]
    search_fields = ["order_number", "customer_email", "customer_name"]
    list_select_related = ["shop"]
    date_hierarchy = "placed_at"
    readonly_fields = [
        "shop",
        "cart",
        "order_number",
        "idempotency_key",
        "currency",
        "subtotal_amount",
        "discount_amount",
        "tax_amount",
        "shipping_amount",
        "total_amount",
        "customer_name",
        "customer_email",
        "customer_phone",
        "notes",
        "shipping_address",
        "billing_address",
        "placed_at",
        "updated_at",
    ]
    inlines = [OrderItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Orders come from checkout only.
        return False

    def save_model(self, request: HttpRequest, obj: Order, form: Any, change: bool) -> None:
        if change and "status" in form.changed_data:
            order_status_change(order=obj, status=obj.status)
