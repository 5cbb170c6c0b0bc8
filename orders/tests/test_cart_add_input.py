"""The cart add's body read without the serializer (`plain_cart_add_input`) is never looser than the serializer:
where it answers, it answers what the serializer gives; anything else goes to the serializer."""

from typing import Any

import pytest

from orders.apis import CartItemAddApi, plain_cart_add_input
from orders.services.carts import MAX_LINE_QUANTITY, cart_token_new

TOKEN = cart_token_new()

BODIES: list[Any] = [
    {"product_id": 7},
    {"product_id": 7, "quantity": 1},
    {"product_id": 7, "quantity": MAX_LINE_QUANTITY},
    {"product_id": 7, "quantity": MAX_LINE_QUANTITY + 1},
    {"product_id": 7, "quantity": 0},
    {"product_id": 7, "quantity": -1},
    {"product_id": 7, "quantity": True},
    {"product_id": 7, "quantity": "2"},
    {"product_id": 7, "quantity": 2.0},
    {"product_id": 7, "quantity": None},
    {"product_id": 7, "cart_token": TOKEN},
    {"product_id": 7, "cart_token": None},
    {"product_id": 7, "cart_token": ""},
    {"product_id": 7, "cart_token": f" {TOKEN}\n"},
    {"product_id": 7, "cart_token": "t" * 255},
    {"product_id": 7, "cart_token": "t" * 256},
    {"product_id": 7, "cart_token": "tok\x00en"},
    {"product_id": 7, "cart_token": "tok\ud800"},
    {"product_id": 7, "cart_token": "a.b/c"},
    {"product_id": 7, "cart_token": 12345},
    {"product_id": 7, "cart_token": ["t"]},
    {"product_id": 2**63 - 1, "quantity": 3, "cart_token": TOKEN},
    {"product_id": 2**63},
    {"product_id": 0},
    {"product_id": -7},
    {"product_id": True},
    {"product_id": "7"},
    {"product_id": 7.0},
    {"product_id": None},
    {"product_id": 7, "product_slug": "mug"},
    {"product_slug": "mug"},
    {"product_slug": "mug", "product_id": None, "quantity": 4},
    {"product_slug": " mug "},
    {"product_slug": ""},
    {"product_slug": None},
    {"product_slug": "m" * 256},
    {"product_slug": "mug\x00"},
    {"product_slug": 7},
    {"product_id": 7, "inventory_item_id": 3},
    {"product_id": 7, "inventory_item_id": None, "options": None},
    {"product_id": 7, "inventory_item_id": 0},
    {"product_id": 7, "inventory_item_id": "3"},
    {"product_id": 7, "inventory_item_id": False},
    {"product_id": 7, "options": []},
    {"product_id": 7, "options": [{"type_id": 1, "option_id": 2}]},
    {"product_id": 7, "options": {}},
    {"product_id": 7, "options": ""},
    {"product_id": 7, "extra": 1},
    {"quantity": 2},
    {},
    [],
    [7],
    "7",
    None,
]


def serializer_answer(body: Any) -> dict[str, Any] | None:
    serializer = CartItemAddApi.CartItemAddInputSerializer(data=body)
    return dict(serializer.validated_data) if serializer.is_valid() else None


@pytest.mark.parametrize("body", BODIES)
def test_plain_cart_add_input_answers_as_the_serializer_or_leaves_the_body_to_it(body: Any) -> None:
    plain = plain_cart_add_input(body)

    assert plain is None or plain == serializer_answer(body)


def test_plain_cart_add_input_takes_the_bodies_the_storefront_sends() -> None:
    bodies: list[dict[str, Any]] = [
        {"product_id": 7},
        {"product_id": 7, "quantity": 2},
        {"product_id": 7, "quantity": 1, "cart_token": TOKEN},
        {"product_id": 7, "quantity": 1, "cart_token": None},
        {"product_id": 7, "quantity": 1, "inventory_item_id": None, "options": []},
        {"product_id": 7, "quantity": 3, "inventory_item_id": 12, "options": [], "cart_token": TOKEN},
        {"product_slug": "mug", "quantity": 1},
    ]
    for body in bodies:
        assert plain_cart_add_input(body) == serializer_answer(body) == {"quantity": 1, **body}
