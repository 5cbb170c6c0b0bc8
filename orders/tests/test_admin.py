"""The admin shows carts and orders; an order's status changes there only along the allowed transitions,
through the same service (stock given back on cancel)."""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from orders.models import OrderStatus
from orders.services.checkout import cart_checkout
from orders.tests.endpoints import CUSTOMER
from orders.tests.factories import CartItemFactory
from shops.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_shows_carts_and_orders(admin_client_logged_in, shop) -> None:
    line = CartItemFactory(cart__shop=shop)
    order = cart_checkout(token=CartItemFactory(cart__shop=shop).cart.token, **CUSTOMER).order

    pages = [
        "/admin/orders/cart/",
        f"/admin/orders/cart/{line.cart_id}/change/",
        "/admin/orders/order/",
        "/admin/orders/order/?status__exact=pending",
        f"/admin/orders/order/{order.id}/change/",
    ]

    assert [admin_client_logged_in.get(page).status_code for page in pages] == [200] * 5
    assert order.order_number in admin_client_logged_in.get("/admin/orders/order/").content.decode()


def test_admin_status_change_follows_the_transitions_and_returns_stock(admin_client_logged_in, shop) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=5)
    order = cart_checkout(
        token=CartItemFactory(cart__shop=shop, product=product, quantity=2).cart.token, **CUSTOMER
    ).order
    url = f"/admin/orders/order/{order.id}/change/"
    inline = {
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-id": str(order.items.get().id),
        "items-0-order": str(order.id),
    }

    cancelled = admin_client_logged_in.post(url, {"status": "cancelled", **inline})
    refused = admin_client_logged_in.post(url, {"status": "paid", **inline})

    assert cancelled.status_code == 302
    order.refresh_from_db()
    product.refresh_from_db()
    assert (order.status, product.stock_quantity) == (OrderStatus.CANCELLED, 5)
    assert refused.status_code == 200
    assert "An order cannot go from cancelled to paid" in refused.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
