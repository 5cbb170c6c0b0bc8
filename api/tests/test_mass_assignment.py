"""Mass assignment, for every JSON write endpoint of the OpenAPI schema: a valid body of the owner's with
fields the client must not set (ids, owner, shop, user, product, timestamps, plan, staff flags, stored names,
image urls, stock counts sent to endpoints that do not set stock, order numbers, totals and statuses, another
cart's token, cart or order) is either refused or has those fields ignored: no row that the request wrote or
changed holds them, and the other user's shop, cart and order are untouched."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Plan
from accounts.tests.factories import UserFactory
from api.tests.requests import request_body
from api.tests.rows import all_rows, touched
from api.tests.world import WRITE_METHODS, World, openapi_schema, schema_operations
from orders.models import Cart, Order, OrderStatus
from orders.services.carts import cart_item_add
from orders.services.checkout import cart_checkout
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory, variant_product

OPENAPI = openapi_schema()
HOSTILE_ID = 987654
HOSTILE_TIME = "2001-01-01T00:00:00Z"
HOSTILE_STOCK = 424242
HOSTILE_AMOUNT = "0.07"
HOSTILE_ORDER_NUMBER = "010101-HOSTILE000"
AMOUNT_FIELDS = ("subtotal_amount", "discount_amount", "tax_amount", "shipping_amount", "total_amount", "unit_price")
# Requests that must succeed with the hostile fields in them (so the fields were really offered to the code).
MUST_SUCCEED = {
    ("POST", "/api/v1/shops/"),
    ("PUT", "/api/v1/shops/{shop_id}/"),
    ("PATCH", "/api/v1/shops/{shop_id}/"),
    ("POST", "/api/v1/shops/{shop_id}/categories/"),
    ("PATCH", "/api/v1/shops/{shop_id}/categories/{category_id}/"),
    ("POST", "/api/v1/shops/{shop_id}/products/"),
    ("PUT", "/api/v1/shops/{shop_id}/products/{product_id}/"),
    ("PATCH", "/api/v1/shops/{shop_id}/products/{product_id}/"),
    ("PATCH", "/api/v1/shops/{shop_id}/products/{product_id}/images/{image_id}/"),
    ("PATCH", "/api/v1/auth/me/"),
    ("POST", "/api/v1/auth/register/"),
    ("POST", "/api/v1/auth/password/change/"),
    ("POST", "/api/v1/shops/slug/{shop_slug}/cart/items/"),
    ("PATCH", "/api/v1/shops/carts/{token}/items/{item_id}/"),
    ("POST", "/api/v1/shops/carts/{token}/checkout/"),
    ("PUT", "/api/v1/shops/{shop_id}/orders/{order_id}/"),
    ("PATCH", "/api/v1/shops/{shop_id}/orders/{order_id}/"),
}


def _json_writes() -> list[tuple[str, str]]:
    operations = []
    for method, path in schema_operations(WRITE_METHODS):
        content = OPENAPI["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
        if "application/json" in content:
            operations.append((method, path))
    return operations


@dataclass
class Elsewhere:
    """Another user's shop with a product, a checked-out order, and a buyer's open cart."""

    user: Any
    shop: Any
    product: Any
    cart: Cart
    order: Order


def elsewhere() -> Elsewhere:
    user = UserFactory()
    shop = ShopFactory(owner=user)
    product = ProductFactory(shop=shop)
    ordered = cart_item_add(shop=shop, product_id=product.id, quantity=1).cart
    order = cart_checkout(token=ordered.token, customer_name="B", customer_email="b@example.com").order
    cart = cart_item_add(shop=shop, product_id=product.id, quantity=1).cart
    return Elsewhere(user=user, shop=shop, product=product, cart=cart, order=order)


def hostile_fields(other: Elsewhere) -> dict[str, Any]:
    return {
        "id": HOSTILE_ID,
        "pk": HOSTILE_ID,
        "owner": other.user.id,
        "owner_id": other.user.id,
        "user": other.user.id,
        "user_id": other.user.id,
        "shop": other.shop.id,
        "shop_id": other.shop.id,
        "product": other.product.id,
        "product_id": other.product.id,
        "created_at": HOSTILE_TIME,
        "updated_at": HOSTILE_TIME,
        "date_joined": HOSTILE_TIME,
        "last_login": HOSTILE_TIME,
        "account_type": Plan.ENTERPRISE,
        "is_staff": True,
        "is_superuser": True,
        "is_active": False,
        "position": 77,
        "size": 1,
        "width": 1,
        "height": 1,
        "image": "evil/elsewhere.jpg",
        "renditions": {"160": "evil/elsewhere.webp"},
        "profile_image": "evil/elsewhere.jpg",
        "digest": "0" * 128,
        "expiry": HOSTILE_TIME,
        "profile_image_url": "https://evil.example/elsewhere.jpg",
        "cover_image_url": "https://evil.example/elsewhere.jpg",
        "cover_image": "evil/elsewhere.jpg",
        # Stock is set only by the product payload (its own or its inventory items'): nowhere else.
        "stock_quantity": HOSTILE_STOCK,
        # What an order charged, its number and status are the server's.
        **dict.fromkeys(AMOUNT_FIELDS, HOSTILE_AMOUNT),
        "order_number": HOSTILE_ORDER_NUMBER,
        "status": OrderStatus.FULFILLED,
        # Another buyer's cart and order.
        "token": other.cart.token,
        "cart_token": other.cart.token,
        "cart": other.cart.id,
        "cart_id": other.cart.id,
        "order": other.order.id,
        "order_id": other.order.id,
    }


@pytest.mark.parametrize(("method", "path"), _json_writes(), ids=lambda value: value)
def test_fields_the_client_must_not_set_are_ignored(method: str, path: str, world: World, bucket: Any) -> None:
    other = elsewhere()
    body, _ = request_body(method, path, OPENAPI, world)
    body = {**hostile_fields(other), **body}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    before = all_rows()

    response = getattr(client, method.lower())(world.path(path), body, format="json")

    assert response.status_code < 500
    if (method, path) in MUST_SUCCEED:
        assert response.status_code in (200, 201), (response.status_code, response.content[:300])
    hostile_time = datetime(2001, 1, 1, tzinfo=UTC)
    changed = touched(before, all_rows())
    assert not {("shops.Shop", other.shop.id), ("orders.Cart", other.cart.id), ("orders.Order", other.order.id)} & {
        (label, row["pk"]) for label, row in changed
    }
    for label, row in changed:
        assert row["pk"] != HOSTILE_ID, label
        assert hostile_time not in row.values(), (label, row)
        for field in ("owner_id", "user_id"):
            assert row.get(field) != other.user.id, (label, field)
        assert row.get("shop_id") != other.shop.id, label
        assert row.get("product_id") != other.product.id, label
        assert row.get("cart_id") != other.cart.id, label
        assert row.get("order_id") != other.order.id, label
        assert row.get("stock_quantity") != HOSTILE_STOCK, label
        assert Decimal(HOSTILE_AMOUNT) not in [row.get(name) for name in AMOUNT_FIELDS], (label, row)
        if label == "shops.Shop":
            assert not str(row["profile_image"]).startswith("evil/")
            assert not str(row["cover_image"]).startswith("evil/")
        if label == "orders.Cart":
            assert row["token"] != other.cart.token
        if label == "orders.Order":
            assert row["order_number"] != HOSTILE_ORDER_NUMBER
            assert row["status"] != OrderStatus.FULFILLED

        if label == "accounts.User":
            assert (row["is_staff"], row["is_superuser"], row["is_active"]) == (False, False, True)
            assert row["account_type"] == before[label].get(row["pk"], {"account_type": Plan.FREE})["account_type"]
            assert not str(row["profile_image"]).startswith("evil/")
        if label == "shops.ProductImage":
            assert row["position"] != 77
            assert not row["image"].startswith("evil/")
            assert "evil/elsewhere.webp" not in row["renditions"].values()


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("field", ["featured_category_1", "featured_category_2", "featured_category_3"])
def test_a_shop_cannot_feature_another_shops_category(method: str, field: str, world: World, bucket: Any) -> None:
    other_category = CategoryFactory(shop=elsewhere().shop)
    path = "/api/v1/shops/{shop_id}/"
    body, _ = request_body(method, path, OPENAPI, world)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    before = all_rows()

    response = getattr(client, method.lower())(world.path(path), {**body, field: other_category.id}, format="json")

    assert (response.status_code, response.json()) == (400, {field: ["This shop has no category with this id."]})
    assert all_rows() == before


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("nested", ["variant_types", "options", "inventory_items"])
def test_a_product_payload_cannot_claim_another_products_variants(
    method: str, nested: str, world: World, bucket: Any
) -> None:
    """Nested ids name the product's own types, options and items: another product's are refused, untouched."""
    _, types, options, items = variant_product(shop=elsewhere().shop)
    path = "/api/v1/shops/{shop_id}/products/{product_id}/"
    body, _ = request_body(method, path, OPENAPI, world)
    if nested == "variant_types":
        body["variant_types"][0]["id"] = types["Size"].id
    elif nested == "options":
        body["variant_types"][0]["options"][0]["id"] = options["S"].id
    else:
        body["inventory_items"][0]["id"] = items[("S", "Red")].id
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    before = all_rows()

    response = getattr(client, method.lower())(world.path(path), body, format="json")

    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert all_rows() == before
