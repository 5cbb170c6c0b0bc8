"""The access matrix, enumerated from the OpenAPI schema (so new endpoints are in it without a change): every
write endpoint refuses the anonymous client (401), and every write endpoint that names an object of the owner's
in its path refuses another user (403/404); a refused request changes no row and stores no object. The cart
writes are public (the cart token is the credential): a token that is not the cart's is refused (404) instead.

Each request is one the owner could make: a valid body built from the schema."""

import secrets
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.tests.clients import client_for
from accounts.tests.factories import UserFactory
from api.tests.requests import request_body
from api.tests.rows import all_rows, touched
from api.tests.world import WRITE_METHODS, World, openapi_schema, schema_operations
from orders.models import Cart
from orders.services.carts import cart_item_add
from shops.tests.factories import ProductFactory, ShopFactory

OPENAPI = openapi_schema()
# Writes that need no login: they act on nobody's objects, or the token they carry is their own credential (the
# direct upload's, and an anonymous cart's: FRONTEND-API.md §1.4). The cart writes' refusal of a token that is
# not theirs is proved below, by the tests of CART_WRITES.
CART_WRITES = {
    ("POST", "/api/v1/shops/slug/{shop_slug}/cart/items/"),
    ("PATCH", "/api/v1/shops/carts/{token}/items/{item_id}/"),
    ("DELETE", "/api/v1/shops/carts/{token}/items/{item_id}/"),
    ("POST", "/api/v1/shops/carts/{token}/checkout/"),
}
PUBLIC_WRITES = {
    ("POST", "/api/v1/auth/register/"),
    ("POST", "/api/v1/auth/login/"),
    # Account recovery: the mailed link (or the address) is the credential.
    ("POST", "/api/v1/auth/password/reset/"),
    ("POST", "/api/v1/auth/password/reset/confirm/"),
    ("POST", "/api/v1/auth/email/verify/"),
    ("POST", "/api/v1/shops/uploads/{token}/"),
    ("POST", "/api/v1/payments/stripe/webhook/"),  # Stripe's signature is its credential (payments/tests)
    *CART_WRITES,
}
WRITES = [operation for operation in schema_operations(WRITE_METHODS) if operation not in PUBLIC_WRITES]
# Writes on objects named in the path: only their owner may make them.
WRITES_ON_OBJECTS = [(method, path) for method, path in WRITES if "{" in path]


def send(client: APIClient, method: str, path: str, world: World) -> Any:
    body, fmt = request_body(method, path, OPENAPI, world)
    handler = getattr(client, method.lower())
    return handler(world.path(path), body, format=fmt) if fmt else handler(world.path(path))


def test_the_matrix_covers_the_endpoints_the_tests_know() -> None:
    """A guard against an empty enumeration (a schema that failed to load would make every test vacuous)."""
    assert ("DELETE", "/api/v1/shops/{shop_id}/") in WRITES_ON_OBJECTS
    assert ("POST", "/api/v1/shops/{shop_id}/products/{product_id}/images/upload/") in WRITES_ON_OBJECTS
    assert ("POST", "/api/v1/shops/") in WRITES
    assert ("PATCH", "/api/v1/auth/me/") in WRITES
    assert set(schema_operations(WRITE_METHODS)) >= CART_WRITES


def _anonymous() -> APIClient:
    return APIClient()


def _other_user() -> APIClient:
    other = UserFactory()
    ShopFactory(owner=other)  # owning a shop of one's own grants nothing over another's
    return client_for(other)


@pytest.mark.parametrize(("method", "path"), WRITES, ids=lambda value: value)
def test_anonymous_client_is_refused_and_nothing_changes(method: str, path: str, world: World, bucket: Any) -> None:
    missing = {name for name in _parameters(path) if name not in world.path_values}
    assert not missing, f"add {missing} to World.path_values so {method} {path} is tested on a real object"
    rows, keys = all_rows(), bucket.keys()

    response = send(_anonymous(), method, path, world)

    assert response.status_code == 401, (response.status_code, response.content[:300])
    assert all_rows() == rows
    assert bucket.keys() == keys


@pytest.mark.parametrize(("method", "path"), WRITES_ON_OBJECTS, ids=lambda value: value)
def test_another_user_is_refused_and_nothing_changes(method: str, path: str, world: World, bucket: Any) -> None:
    client = _other_user()
    rows, keys = all_rows(), bucket.keys()

    response = send(client, method, path, world)

    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    assert all_rows() == rows
    assert bucket.keys() == keys


@pytest.mark.parametrize(("method", "path"), WRITES_ON_OBJECTS, ids=lambda value: value)
def test_the_owner_may_make_the_same_request(method: str, path: str, world: World, bucket: Any) -> None:
    """The refusals above are about who asks, not about the request: the owner gets no 401/403/404 (a 400 is
    allowed where the schema-made body cannot be right, e.g. an upload id that was never issued)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")

    response = send(client, method, path, world)

    assert response.status_code not in (401, 403, 404), (response.status_code, response.content[:300])
    assert response.status_code < 500


def _parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.replace("/", " ").split() if part.startswith("{")]


# A cart token that is not the cart's: none at all, the World's order's cart (converted: its token is spent), or
# an active cart of another shop, or of the same shop (neither holds the World's cart line).
FOREIGN_TOKENS = ("unknown", "converted", "other_shop", "same_shop")
# Another active cart's token is that cart's own credential: checking it out is its holder's right, so checkout
# is refused only the tokens that name no active cart.
CART_TOKEN_PATH_CASES = [
    (method, path, kind)
    for method, path in sorted(operation for operation in CART_WRITES if "{token}" in operation[1])
    for kind in FOREIGN_TOKENS
    if not (path.endswith("/checkout/") and kind in ("other_shop", "same_shop"))
]


def _foreign_cart_token(kind: str, world: World) -> str:
    if kind == "unknown":
        return secrets.token_urlsafe(32)
    if kind == "converted":
        assert world.order.cart is not None
        return world.order.cart.token
    shop = ShopFactory(owner=UserFactory()) if kind == "other_shop" else world.shop
    product = ProductFactory(shop=shop) if kind == "other_shop" else world.product
    return cart_item_add(shop=shop, product_id=product.id, quantity=2).cart.token


@pytest.mark.parametrize(("method", "path", "kind"), CART_TOKEN_PATH_CASES, ids=lambda value: value)
def test_a_cart_write_with_a_token_that_is_not_the_carts_is_refused_and_changes_nothing(
    method: str, path: str, kind: str, world: World, bucket: Any
) -> None:
    """The cart's token is its only credential: the World's cart line (`{item_id}`) cannot be changed, removed
    or checked out through any other token, whoever asks."""
    token = _foreign_cart_token(kind, world)
    world.path_values["token"] = token
    client = _other_user()
    rows, keys = all_rows(), bucket.keys()

    response = send(client, method, path, world)

    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert all_rows() == rows
    assert bucket.keys() == keys


@pytest.mark.parametrize("kind", ["converted", "other_shop"])
def test_adding_to_a_cart_with_a_token_that_is_not_this_shops_active_cart_leaves_that_cart_alone(
    kind: str, world: World, bucket: Any
) -> None:
    """Adding to the cart is how a cart begins, so a stale or foreign `cart_token` is not refused: the line goes
    into a new cart of this shop with a new token, and the cart the token named is not touched."""
    token = _foreign_cart_token(kind, world)
    path = "/api/v1/shops/slug/{shop_slug}/cart/items/"
    body, _ = request_body("POST", path, OPENAPI, world)
    rows = all_rows()

    response = APIClient().post(world.path(path), {**body, "cart_token": token}, format="json")

    assert response.status_code == 201, (response.status_code, response.content[:300])
    new_cart = Cart.objects.get(token=response.json()["token"])
    assert (new_cart.token != token, new_cart.shop_id) == (True, world.shop.id)
    assert sorted((label, row["pk"] in rows[label]) for label, row in touched(rows, all_rows())) == [
        ("orders.Cart", False),
        ("orders.CartItem", False),
    ]
