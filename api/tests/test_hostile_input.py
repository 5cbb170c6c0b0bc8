"""Input that once reached the database or Python's recursion limit (a 500): each class answers 400 or 404 JSON,
whichever endpoint it reaches, and writes nothing."""

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from api.tests.rows import all_rows
from api.tests.world import World
from orders.models import CartItem, Order

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"name":' * 50_000 + "1" + "}" * 50_000
HUGE = 99_999_999_999_999_999_999


def _json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def client(world: World) -> APIClient:
    client = APIClient()
    client.raise_request_exception = False
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    return client


def _json_bodies(world: World) -> list[str]:
    return [
        "/api/v1/auth/login/",
        "/api/v1/auth/register/",
        f"/api/v1/shops/slug/{world.shop.slug}/cart/items/",
        f"/api/v1/shops/{world.shop.id}/products/",
        f"/api/v1/shops/{world.shop.id}/products/{world.product.id}/",
        f"/api/v1/shops/carts/{world.cart.token}/checkout/",
    ]


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, "[" * 40 + "]" * 40], ids=["array", "object", "depth-40"])
def test_deeply_nested_json_is_a_400_everywhere(world: World, client: APIClient, body: str) -> None:
    before = all_rows()
    for url in _json_bodies(world):
        method = client.patch if url.endswith(f"/{world.product.id}/") else client.post
        error = _json_error(method(url, data=body, content_type="application/json"), 400)
        assert error == {"detail": "JSON parse error - nested deeper than 32 levels."}, url
    assert all_rows() == before


def test_json_within_the_depth_limit_is_parsed(world: World, client: APIClient) -> None:
    # Depth 32 exactly (the limit): parsed, then refused by the serializer as a field error, not a parse error.
    body = json.dumps({"name": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "price": "1.00"})
    response = client.post(f"/api/v1/shops/{world.shop.id}/products/", data=body, content_type="application/json")
    assert _json_error(response, 400) == {"name": ["Not a valid string."]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Mug", "price": "1.00", "variant_types": [{"name": "Size", "options": [{"name": "S"}]}]}, None),
        ({"name": "Mug", "price": "1.00", "variant_types": [{"na\u0000me": "Size"}]}, "variant_types"),
        ({"name": "Mug", "price": "1.00", "tags": [[["deep \u0000"]]]}, "tags"),
        ({"na\u0000me": "Mug", "price": "1.00"}, "detail"),
    ],
)
def test_a_nul_character_anywhere_in_a_json_body_is_refused(
    world: World, client: APIClient, body: dict[str, Any], field: str | None
) -> None:
    """PostgreSQL stores no NUL in text or jsonb: refused in keys and values at any depth, naming the top field."""
    if field is None:  # the control: the same body without the NUL is accepted
        response = client.post(f"/api/v1/shops/{world.shop.id}/products/", body, format="json")
        assert response.status_code == 201, response.content
        return
    before = all_rows()
    response = client.post(f"/api/v1/shops/{world.shop.id}/products/", body, format="json")
    message: Any = ["Null characters are not allowed."]
    if field == "detail":  # a bad key is not echoed
        message = "A field name: Null characters are not allowed."
    assert _json_error(response, 400) == {field: message}
    assert all_rows() == before


def test_a_lone_surrogate_in_a_json_string_is_refused(world: World, client: APIClient) -> None:
    before = all_rows()
    body = '{"name": "Mug \\ud800", "price": "1.00"}'
    response = client.post(f"/api/v1/shops/{world.shop.id}/products/", data=body, content_type="application/json")
    assert _json_error(response, 400) == {"name": ["Not valid Unicode (a lone surrogate)."]}
    assert all_rows() == before


def test_an_address_key_with_a_nul_is_refused(world: World, client: APIClient) -> None:
    before = all_rows()
    body = {"customer_name": "A", "customer_email": "a@example.com", "shipping_address": {"li\u0000ne": "x"}}
    response = client.post(f"/api/v1/shops/carts/{world.cart.token}/checkout/", body, format="json")
    assert _json_error(response, 400) == {"shipping_address": ["Null characters are not allowed."]}
    assert all_rows() == before
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/shops/carts/ab%00c/",
        "/api/v1/shops/carts/{token}%00/checkout/",
        "/api/v1/shops/slug/fuzz%00shop/",
        "/api/v1/shops/uploads/x%00y/",
    ],
)
def test_a_nul_in_the_path_is_a_json_400(world: World, client: APIClient, path: str) -> None:
    before = all_rows()
    response = client.post(path.format(token=world.cart.token), {}, format="json")
    assert _json_error(response, 400) == {"detail": "Null characters are not allowed in the URL."}
    assert _json_error(client.get(path.format(token=world.cart.token)), 400)
    assert all_rows() == before


@pytest.mark.parametrize("query", ["search=a%00b", "ordering=%00", "page=1%00", "cart_token=%00", "x%00=1"])
def test_a_nul_in_the_query_string_is_a_json_400(world: World, client: APIClient, query: str) -> None:
    response = client.get(f"/api/v1/shops/slug/{world.shop.slug}/products/?{query}")
    assert _json_error(response, 400) == {"detail": "Null characters are not allowed in the query string."}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("HTTP_IDEMPOTENCY_KEY", "key\x00"),
        ("HTTP_AUTHORIZATION", "Token ab\x00cd"),
        ("HTTP_COOKIE", "auth_token=a\x00b"),
    ],
)
def test_a_nul_in_a_header_is_a_json_400(world: World, header: str, value: str) -> None:
    client = APIClient()
    client.raise_request_exception = False
    before = all_rows()
    body = {"customer_name": "A", "customer_email": "a@example.com"}
    extra: dict[str, Any] = {header: value}
    response = client.post(f"/api/v1/shops/carts/{world.cart.token}/checkout/", body, format="json", **extra)
    name = header.removeprefix("HTTP_").replace("_", "-").title()
    assert _json_error(response, 400) == {"detail": f"Null characters are not allowed in the {name} header."}
    assert all_rows() == before


@pytest.mark.parametrize(
    "query",
    [
        f"category={HUGE}",
        f"category=-{HUGE}",
        f"min_price={HUGE}",
        "min_price=1e400",
        "max_price=-1e400",
        f"page={HUGE}",
        f"page_size={HUGE}",
    ],
)
def test_numbers_beyond_the_database_types_in_filters_never_fail(world: World, client: APIClient, query: str) -> None:
    for url in (f"/api/v1/shops/{world.shop.id}/products/", f"/api/v1/shops/slug/{world.shop.slug}/products/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code in (200, 400, 404), (url, query, response.content[:200])
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("template", "methods"),
    [
        ("/api/v1/shops/{huge}/", ("get", "patch", "delete")),
        ("/api/v1/shops/{shop}/products/{huge}/", ("get", "patch", "delete")),
        ("/api/v1/shops/{shop}/products/{product}/images/{huge}/", ("get", "patch", "delete")),
        ("/api/v1/shops/{shop}/orders/{huge}/", ("get", "patch")),
        ("/api/v1/shops/carts/{token}/items/{huge}/", ("patch", "delete")),
    ],
)
def test_an_id_beyond_the_database_type_in_the_path_is_a_json_404(
    world: World, client: APIClient, template: str, methods: tuple[str, ...]
) -> None:
    before = all_rows()
    path = template.format(huge=HUGE, shop=world.shop.id, product=world.product.id, token=world.cart.token)
    for method in methods:
        response = getattr(client, method)(path, {"quantity": 1, "status": "paid"}, format="json")
        assert _json_error(response, 404) == {"detail": "Not found."}, method
    assert all_rows() == before


@pytest.mark.parametrize(
    "body",
    [
        {"category_id": HUGE},
        {"featured_category_1": HUGE},
        {"variant_types": [{"id": HUGE, "name": "Size", "options": [{"id": HUGE, "name": "S"}]}]},
    ],
)
def test_an_id_beyond_the_database_type_in_a_body_is_a_400(
    world: World, client: APIClient, body: dict[str, Any]
) -> None:
    before = all_rows()
    url = (
        f"/api/v1/shops/{world.shop.id}/"
        if "featured_category_1" in body
        else f"/api/v1/shops/{world.shop.id}/products/{world.product.id}/"
    )
    response = client.patch(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert all_rows() == before


@pytest.mark.parametrize("option_id", ["²", "\u0661", "1e3", " 1", HUGE, -1, 1.5, True, [1], {"a": 1}])
def test_a_variant_option_id_that_is_not_an_id_is_a_400(world: World, option_id: Any) -> None:
    client = APIClient()
    client.raise_request_exception = False
    before = CartItem.objects.count()
    body = {"product_id": world.product.id, "quantity": 1, "options": [{"type_id": 1, "option_id": option_id}]}
    response = client.post(f"/api/v1/shops/slug/{world.shop.slug}/cart/items/", body, format="json")
    assert _json_error(response, 400) == {"options": {"0": ["option_id must be a positive integer."]}}
    assert CartItem.objects.count() == before


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/nope", "/api/v1/shops/slug/a b/", "/api/v1/shops/1/products/x/"])
def test_a_url_that_matches_no_route_is_a_json_404(client: APIClient, path: str) -> None:
    assert _json_error(client.get(path), 404) == {"detail": "Not found."}


def test_a_json_body_beyond_the_upload_limit_is_a_413(world: World, client: APIClient, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = all_rows()
    body = json.dumps({"name": "Mug", "price": "1.00", "long_description": "x" * 1000})
    response = client.post(f"/api/v1/shops/{world.shop.id}/products/", data=body, content_type="application/json")
    assert _json_error(response, 413) == {"detail": "The request body may have at most 1000 bytes."}
    assert all_rows() == before
    small = json.dumps({"name": "Mug", "price": "1.00", "long_description": "x" * 900})
    response = client.post(f"/api/v1/shops/{world.shop.id}/products/", data=small, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize("option_id", ["²", "\u0661", HUGE, "99999999999999999999"])
def test_an_inventory_item_option_id_that_is_not_an_id_is_a_400(
    world: World, client: APIClient, option_id: Any
) -> None:
    before = all_rows()
    body = {
        "variant_types": [{"name": "Size", "options": [{"name": "S"}]}],
        "inventory_items": [{"sku": "S-1", "options": [{"variant_type": "Size", "variant_option_id": option_id}]}],
    }
    response = client.patch(f"/api/v1/shops/{world.shop.id}/products/{world.product.id}/", body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert all_rows() == before
