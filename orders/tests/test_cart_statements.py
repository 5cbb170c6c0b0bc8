"""The cart add's statements to an existing cart (orders.services.cart_statements), compiled once per process,
read what the ORM reads and write what its saves would."""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from orders.models import Cart, CartItem, CartStatus
from orders.services import cart_statements
from orders.tests.factories import CartFactory, CartItemFactory
from shops.tests.factories import ProductFactory, ProductImageFactory, variant_product

pytestmark = pytest.mark.django_db


def test_the_cart_lock_reads_only_the_active_cart_of_the_token_and_shop(shop, other_shop) -> None:
    cart = CartFactory(shop=shop)
    abandoned = CartFactory(shop=shop, status=CartStatus.ABANDONED)

    found = cart_statements.cart_lock(token=cart.token, shop_id=shop.id)

    assert found is not None
    assert (model_to_dict(found), found.created_at, found.updated_at, found._state.adding) == (
        model_to_dict(cart),
        cart.created_at,
        cart.updated_at,
        False,
    )
    assert cart_statements.cart_lock(token=cart.token, shop_id=other_shop.id) is None
    assert cart_statements.cart_lock(token=abandoned.token, shop_id=shop.id) is None
    assert cart_statements.cart_lock(token="no-such-token", shop_id=shop.id) is None


def test_the_cart_lines_read_their_products_items_and_first_images_as_the_orm_does(shop) -> None:
    cart = CartFactory(shop=shop)
    mug, bare = ProductFactory(shop=shop), ProductFactory(shop=shop)
    tee, _, _, items = variant_product(shop=shop)
    ProductImageFactory(product=mug, position=2)
    first = ProductImageFactory(product=mug, position=1)  # by position, not by id
    earlier = timezone.now() - timedelta(minutes=5)
    lines = [
        CartItemFactory(cart=cart, product=mug, quantity=2),
        CartItemFactory(cart=cart, product=tee, inventory_item=items[("S", "Red")]),
        CartItemFactory(cart=cart, product=bare, option_key="3-7"),
    ]
    CartItem.objects.filter(id=lines[2].id).update(created_at=earlier)  # first in the cart's order
    CartItemFactory(product=mug)  # another cart's line

    found = cart_statements.cart_lines(cart=cart)

    orm = list(CartItem.objects.filter(cart=cart).select_related("product", "inventory_item"))
    assert [line.id for line in found] == [line.id for line in orm] == [lines[2].id, lines[0].id, lines[1].id]
    for line, expected in zip(found, orm, strict=True):
        assert (model_to_dict(line), line.created_at, line.updated_at) == (
            model_to_dict(expected),
            expected.created_at,
            expected.updated_at,
        )
        assert (model_to_dict(line.product), line.product.created_at) == (
            model_to_dict(expected.product),
            expected.product.created_at,
        )
        item, expected_item = line.inventory_item, expected.inventory_item
        assert (item and model_to_dict(item)) == (expected_item and model_to_dict(expected_item))
        assert line.cart is cart
        assert (line._state.adding, line.product._state.adding) == (False, False)
    assert [line.product.first_image for line in found] == [  # type: ignore[attr-defined]
        None,
        (first.id, first.image.name, "Photo 1"),
        None,
    ]


def test_the_line_and_cart_write_inserts_or_updates_the_line_and_touches_the_cart(shop) -> None:
    cart = CartFactory(shop=shop)
    line = CartItemFactory(cart=cart, quantity=1)
    now = timezone.now() + timedelta(minutes=1)

    line.quantity = 4
    cart_statements.line_and_cart_write(cart=cart, line=line, now=now)
    new = CartItem(cart=cart, product=ProductFactory(shop=shop), quantity=2)
    cart_statements.line_and_cart_write(cart=cart, line=new, now=now)

    assert Cart.objects.get(id=cart.id).updated_at == cart.updated_at == now
    rows = {row.id: row for row in CartItem.objects.filter(cart=cart)}
    assert (rows[line.id].quantity, rows[line.id].updated_at) == (4, now)
    assert (model_to_dict(rows[new.id]), rows[new.id].created_at, rows[new.id].updated_at) == (
        model_to_dict(new),
        now,
        now,
    )
    assert new._state.adding is False
