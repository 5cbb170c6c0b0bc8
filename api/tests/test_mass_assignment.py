"""Mass assignment, for every JSON write endpoint of the OpenAPI schema: a valid body of the owner's with
fields the client must not set (ids, owner, shop, user, product, timestamps, plan, staff flags, stored names)
is either refused or has those fields ignored: no row that the request wrote or changed holds them."""

from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Plan
from accounts.tests.factories import UserFactory
from api.tests.conftest import WRITE_METHODS, World, openapi_schema, schema_operations
from api.tests.requests import request_body
from api.tests.rows import all_rows, touched
from shops.tests.factories import ProductFactory, ShopFactory

OPENAPI = openapi_schema()
HOSTILE_ID = 987654
HOSTILE_TIME = "2001-01-01T00:00:00Z"
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
}


def _json_writes() -> list[tuple[str, str]]:
    operations = []
    for method, path in schema_operations(WRITE_METHODS):
        content = OPENAPI["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
        if "application/json" in content:
            operations.append((method, path))
    return operations


def hostile_fields(other: Any, other_shop: Any, other_product: Any) -> dict[str, Any]:
    return {
        "id": HOSTILE_ID,
        "pk": HOSTILE_ID,
        "owner": other.id,
        "owner_id": other.id,
        "user": other.id,
        "user_id": other.id,
        "shop": other_shop.id,
        "shop_id": other_shop.id,
        "product": other_product.id,
        "product_id": other_product.id,
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
    }


@pytest.mark.parametrize(("method", "path"), _json_writes(), ids=lambda value: value)
def test_fields_the_client_must_not_set_are_ignored(method: str, path: str, world: World, bucket: Any) -> None:
    other = UserFactory()
    other_shop = ShopFactory(owner=other)
    other_product = ProductFactory(shop=other_shop)
    body, _ = request_body(method, path, OPENAPI, world)
    body = {**hostile_fields(other, other_shop, other_product), **body}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    before = all_rows()

    response = getattr(client, method.lower())(world.path(path), body, format="json")

    assert response.status_code < 500
    if (method, path) in MUST_SUCCEED:
        assert response.status_code in (200, 201), (response.status_code, response.content[:300])
    hostile_time = datetime(2001, 1, 1, tzinfo=UTC)
    for label, row in touched(before, all_rows()):
        assert row["pk"] != HOSTILE_ID, label
        assert hostile_time not in row.values(), (label, row)
        for field in ("owner_id", "user_id"):
            assert row.get(field) != other.id, (label, field)
        assert row.get("shop_id") != other_shop.id, label
        assert row.get("product_id") != other_product.id, label
        if label == "accounts.User":
            assert (row["is_staff"], row["is_superuser"], row["is_active"]) == (False, False, True)
            assert row["account_type"] == Plan.FREE
            assert not str(row["profile_image"]).startswith("evil/")
        if label == "shops.ProductImage":
            assert row["position"] != 77 and not row["image"].startswith("evil/")
            assert "evil/elsewhere.webp" not in row["renditions"].values()
