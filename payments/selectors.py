"""Reads: a shop's order's payment with its refunds."""

from django.shortcuts import get_object_or_404

from orders.models import Order
from payments.models import Payment
from shops.models import Shop


def payment_get_for_owner(*, shop: Shop, order_id: int) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("order").prefetch_related("refunds__restocked_items"),
        order__shop=shop,
        order_id=order_id,
    )


def payment_get_or_none(*, order: Order) -> Payment | None:
    """The order's payment; None for an order made before payments existed."""
    return Payment.objects.filter(order=order).first()
