"""Cart writes and checkouts are throttled per client address (429 + Retry-After), nothing written past it."""

from typing import Any

import pytest
from django.conf import settings

from orders.models import Cart, CartItem, Order
from orders.tests.endpoints import CUSTOMER, add_url, cart_url, checkout_url, line_url
from orders.tests.factories import CartItemFactory
from shops.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def address(n: int) -> dict[str, Any]:
    return {"REMOTE_ADDR": f"10.0.1.{n}"}


def test_cart_and_checkout_rates_are_the_documented_defaults() -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert (rates["cart"], rates["checkout"]) == ("120/min", "10/min")


def test_cart_writes_are_throttled_per_address(api_client, shop, throttle_rates) -> None:
    throttle_rates(cart="3/min")
    product = ProductFactory(shop=shop)
    token = api_client.post(add_url(shop.slug), {"product_id": product.id}, **address(1)).json()["token"]
    line = CartItem.objects.get()
    assert api_client.patch(line_url(token, line.id), {"quantity": 2}, **address(1)).status_code == 200
    assert (
        api_client.post(add_url(shop.slug), {"cart_token": token, "product_id": product.id}, **address(1)).status_code
        == 200
    )

    refused = api_client.post(add_url(shop.slug), {"cart_token": token, "product_id": product.id}, **address(1))

    assert refused.status_code == 429
    assert "Retry-After" in refused
    line.refresh_from_db()
    assert line.quantity == 3
    # Reading the cart is not a write, and another address has its own count.
    assert api_client.get(cart_url(token), **address(1)).status_code == 200
    assert api_client.delete(line_url(token, line.id), **address(2)).status_code == 200


def test_checkouts_are_throttled_per_address(api_client, shop, throttle_rates) -> None:
    throttle_rates(checkout="2/min")
    tokens = [CartItemFactory(cart__shop=shop).cart.token for _ in range(4)]
    for token in tokens[:2]:
        assert api_client.post(checkout_url(token), CUSTOMER, format="json", **address(1)).status_code == 201

    refused = api_client.post(checkout_url(tokens[2]), CUSTOMER, format="json", **address(1))
    other = api_client.post(checkout_url(tokens[3]), CUSTOMER, format="json", **address(2))

    assert refused.status_code == 429
    assert other.status_code == 201
    assert Order.objects.count() == 3
    assert not Order.objects.filter(cart__token=tokens[2]).exists()


def test_a_new_cart_add_is_refused_as_drf_refuses_and_writes_nothing(
    api_client, shop, throttle_rates, throttle_clock
) -> None:
    # A cart add takes its window in its product read: the answer is DRF's own, and nothing is written.
    throttle_rates(cart="2/min")
    product = ProductFactory(shop=shop)
    for _ in range(2):
        assert api_client.post(add_url(shop.slug), {"product_id": product.id}, **address(3)).status_code == 201
    throttle_clock.advance(15)

    refused = api_client.post(add_url(shop.slug), {"product_id": product.id}, format="json", **address(3))

    assert (refused.status_code, refused["Retry-After"]) == (429, "45")
    assert refused.json() == {"detail": "Request was throttled. Expected available in 45 seconds."}
    assert Cart.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [{"product_id": "one"}, {"product_id": 10**12}, {"product_slug": "no-such-product"}],
    ids=["a refused body", "an unknown product", "an unknown slug"],
)
def test_a_cart_add_that_fails_takes_its_window_too(api_client, shop, throttle_rates, body: dict[str, Any]) -> None:
    throttle_rates(cart="2/min")
    answers = [api_client.post(add_url(shop.slug), body, format="json", **address(4)).status_code for _ in range(3)]
    unknown_shop = api_client.post(add_url("no-such-shop"), body, format="json", **address(4))

    assert answers[:2] in ([400, 400], [404, 404])
    assert (answers[2], unknown_shop.status_code) == (429, 429)
    assert Cart.objects.count() == 0
