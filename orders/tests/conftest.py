"""Fixtures of the cart and order tests: `user`'s shop, another user's shop, and the URLs the frontend calls."""

from typing import Any

import pytest

from orders.models import Cart, CartItem, Order, OrderItem
from shops.models import Product, ProductInventoryItem, Shop
from shops.tests.factories import ShopFactory


@pytest.fixture
def shop(user: Any) -> Shop:
    return ShopFactory(owner=user, name="Corner Shop", slug="corner-shop", currency="USD")


@pytest.fixture
def other_shop(other_user: Any) -> Shop:
    return ShopFactory(owner=other_user, name="Other Shop", slug="other-shop", currency="USD")


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


CUSTOMER = {
    "customer_name": "Ada Lovelace",
    "customer_email": "ada@example.com",
    "customer_phone": "+44 20 7946 0000",
    "notes": "Leave at the door",
    "shipping_address": {"line1": "12 Analytical St", "city": "London", "postal_code": "N1 9GU"},
}


def commerce_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of the cart, order and stock tables, every field, in id order: to assert nothing was written."""
    return {
        model._meta.label: list(model.objects.order_by("id").values())
        for model in (Cart, CartItem, Order, OrderItem, Product, ProductInventoryItem)
    }
