"""The cart and order URLs the existing frontend calls, and the customer fields of a checkout body."""

from typing import Any


def add_url(shop_slug: str) -> str:
    return f"/api/v1/shops/slug/{shop_slug}/cart/items/"


def cart_url(token: str) -> str:
    return f"/api/v1/shops/carts/{token}/"


def line_url(token: str, item_id: int) -> str:
    return f"/api/v1/shops/carts/{token}/items/{item_id}/"


def checkout_url(token: str) -> str:
    return f"/api/v1/shops/carts/{token}/checkout/"


def orders_url(shop_id: int) -> str:
    return f"/api/v1/shops/{shop_id}/orders/"


def order_url(shop_id: int, order_id: int) -> str:
    return f"/api/v1/shops/{shop_id}/orders/{order_id}/"


CUSTOMER: dict[str, Any] = {
    "customer_name": "Ada Lovelace",
    "customer_email": "ada@example.com",
    "customer_phone": "+44 20 7946 0000",
    "notes": "Leave at the door",
    "shipping_address": {"line1": "12 Analytical St", "city": "London", "postal_code": "N1 9GU"},
}
