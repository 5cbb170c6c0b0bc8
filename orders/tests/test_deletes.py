"""Deletes never fail because something was once in a cart or sold (defect §5.13): cart lines go with the
product, order lines keep their snapshot."""

from decimal import Decimal

import pytest

from orders.models import Cart, CartItem, Order, OrderItem
from orders.services.checkout import cart_checkout
from orders.tests.endpoints import CUSTOMER, order_url
from orders.tests.factories import CartFactory, CartItemFactory
from shops.tests.factories import ProductFactory, variant_product

pytestmark = pytest.mark.django_db


def sold(shop, product, item=None, quantity=1) -> Order:
    cart = CartFactory(shop=shop)
    CartItemFactory(cart=cart, product=product, inventory_item=item, quantity=quantity)
    return cart_checkout(token=cart.token, **CUSTOMER).order


def test_deleting_a_sold_product_in_carts_keeps_the_order_snapshot(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, name="Vase", sku="VASE", price=Decimal("30.00"))
    order = sold(shop, product, quantity=2)
    in_cart = CartItemFactory(cart__shop=shop, product=product)

    response = owner_client.delete(f"/api/v1/shops/{shop.id}/products/{product.id}/")

    assert response.status_code == 204
    assert not CartItem.objects.filter(id=in_cart.id).exists()
    assert Cart.objects.filter(id=in_cart.cart_id).exists()
    line = OrderItem.objects.get(order=order)
    assert (line.product_id, line.product_name, line.sku, line.quantity, line.unit_price) == (
        None,
        "Vase",
        "VASE",
        2,
        Decimal("30.000"),
    )
    detail = owner_client.get(order_url(shop.id, order.id)).json()
    assert (detail["items"][0]["product_id"], detail["items"][0]["product_name"]) == (None, "Vase")


def test_deleting_a_sold_inventory_item_keeps_the_order_snapshot(shop) -> None:
    product, _types, _options, items = variant_product(shop=shop)
    item = items[("S", "Red")]
    order = sold(shop, product, item=item)
    CartItemFactory(cart__shop=shop, product=product, inventory_item=item)

    item.delete()

    line = OrderItem.objects.get(order=order)
    assert (line.inventory_item_id, line.option_label) == (None, "Size: S / Colour: Red")
    assert CartItem.objects.count() == 0


def test_deleting_a_shop_with_carts_and_orders_works(owner_client, shop) -> None:
    product = ProductFactory(shop=shop)
    sold(shop, product)
    CartItemFactory(cart__shop=shop, product=product)

    response = owner_client.delete(f"/api/v1/shops/{shop.id}/")

    assert response.status_code == 204
    assert (Cart.objects.count(), CartItem.objects.count(), Order.objects.count(), OrderItem.objects.count()) == (
        0,
        0,
        0,
        0,
    )


def test_cancelling_an_order_whose_product_is_gone_returns_nothing_and_works(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=3)
    order = sold(shop, product)
    product.delete()

    response = owner_client.patch(order_url(shop.id, order.id), {"status": "cancelled"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
