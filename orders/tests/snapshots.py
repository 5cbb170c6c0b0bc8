"""What the cart, order and stock tables hold, row by row: for asserting that a refused request wrote nothing."""

from typing import Any

from django.db.models import Model

from orders.models import Cart, CartItem, Order, OrderItem
from shops.models import Product, ProductInventoryItem

COMMERCE: tuple[type[Model], ...] = (Cart, CartItem, Order, OrderItem, Product, ProductInventoryItem)


def commerce_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of the cart, order and stock tables, every field, in id order: to assert nothing was written."""
    return {model._meta.label: list(model._default_manager.order_by("id").values()) for model in COMMERCE}
