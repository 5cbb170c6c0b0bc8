"""Checkout races on real PostgreSQL: buyers in threads, each on its own connection, released at once.
Stock is never oversold, and one cart never becomes two orders."""

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from api.tests.races import race
from orders.models import Cart, CartStatus, Order, OrderItem
from orders.services.checkout import cart_checkout
from orders.tests.endpoints import CUSTOMER, checkout_url
from orders.tests.factories import CartFactory, CartItemFactory
from shops.tests.factories import ProductFactory, variant_product

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 50


def outcome(result: Any) -> str:
    if isinstance(result, ValidationError):
        return result.messages[0]
    return type(result).__name__


def checkout(token: str, **extra: Any) -> Callable[[], Any]:
    return lambda: cart_checkout(token=token, **CUSTOMER, **extra)


def test_fifty_buyers_racing_for_the_last_ten_units_make_exactly_ten_orders(shop) -> None:
    product = ProductFactory(shop=shop, name="Last Lamp", stock_status="limited", stock_quantity=10)
    tokens = [CartItemFactory(cart__shop=shop, product=product, quantity=1).cart.token for _ in range(BUYERS)]

    results = race([checkout(token) for token in tokens])

    assert Counter(outcome(result) for result in results) == {"CheckoutResult": 10, "Last Lamp is out of stock": 40}
    product.refresh_from_db()
    assert product.stock_quantity == 0
    assert Order.objects.count() == 10
    assert sum(OrderItem.objects.values_list("quantity", flat=True)) == 10
    assert Cart.objects.filter(status=CartStatus.CONVERTED).count() == 10


def test_fifty_buyers_racing_for_the_last_ten_of_one_variant(shop) -> None:
    product, _types, _options, items = variant_product(shop=shop, name="Tee", sizes=("S",), colours=("Red", "Blue"))
    scarce, other = items[("S", "Red")], items[("S", "Blue")]
    scarce.stock_quantity, other.stock_quantity = 10, 5
    scarce.save()
    other.save()
    tokens = [
        CartItemFactory(cart__shop=shop, product=product, inventory_item=scarce, quantity=1).cart.token
        for _ in range(BUYERS)
    ]

    results = race([checkout(token) for token in tokens])

    assert Counter(outcome(result) for result in results) == {"CheckoutResult": 10, "Tee is out of stock": 40}
    scarce.refresh_from_db()
    product.refresh_from_db()
    # The product's total follows its items, whatever order the checkouts committed in.
    assert (scarce.stock_quantity, product.stock_quantity) == (0, 5)
    assert Order.objects.count() == 10


def test_buyers_of_several_products_in_opposite_orders_do_not_deadlock(shop) -> None:
    first = ProductFactory(shop=shop, stock_status="limited", stock_quantity=100)
    second = ProductFactory(shop=shop, stock_status="limited", stock_quantity=100)
    tokens = []
    for index in range(20):
        cart = CartFactory(shop=shop)
        for product in (first, second) if index % 2 else (second, first):
            CartItemFactory(cart=cart, product=product, quantity=2)
        tokens.append(cart.token)

    results = race([checkout(token) for token in tokens])

    assert Counter(outcome(result) for result in results) == {"CheckoutResult": 20}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stock_quantity, second.stock_quantity) == (60, 60)


def test_two_checkouts_of_one_cart_at_once_make_one_order(shop) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=10)
    token = CartItemFactory(cart__shop=shop, product=product, quantity=3).cart.token

    results = race([checkout(token), checkout(token)])

    assert sorted(outcome(result) for result in results) == ["CheckoutResult", "Http404"]
    assert Order.objects.count() == 1
    product.refresh_from_db()
    assert product.stock_quantity == 7


def test_retries_with_one_key_at_once_all_get_the_one_order(shop) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=10)
    token = CartItemFactory(cart__shop=shop, product=product, quantity=3).cart.token

    results = race([checkout(token, idempotency_key="retry-1") for _ in range(5)])

    assert all(not isinstance(result, Exception) for result in results), results
    assert {result.order.id for result in results} == {Order.objects.get().id}
    assert sorted(result.created for result in results) == [False, False, False, False, True]
    product.refresh_from_db()
    assert product.stock_quantity == 7


def test_http_checkouts_of_one_cart_at_once_make_one_order(shop) -> None:
    token = CartItemFactory(cart__shop=shop, product=ProductFactory(shop=shop)).cart.token

    def post() -> int:
        return APIClient().post(checkout_url(token), CUSTOMER, format="json").status_code

    assert sorted(race([post, post, post])) == [201, 404, 404]
    assert Order.objects.count() == 1
