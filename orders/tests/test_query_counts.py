"""What a cart add and a checkout cost in queries, pinned, through the API as the storefront calls them.

The counts include the throttle counter (a checkout's own query; a cart add's is taken in its product read)
and, in these tests' transaction, the SAVEPOINT and
RELEASE that stand for BEGIN and COMMIT (2 more) where the operation takes a transaction (a cart add to a
new cart takes none: one write). Before the stock and
variant reads were bulked, the same calls cost: cart add 19 (simple product, new cart), 24 (inventory
item), 21 (combination); checkout 18 (1 simple line), 20 (3 simple lines), 25 (3 inventory items),
22 (3 combinations)."""

from typing import Any

import pytest

from orders.models import CartItem, Order
from orders.tests.endpoints import CUSTOMER, add_url, checkout_url
from shops.tests.factories import ProductFactory, VariantOptionFactory, VariantTypeFactory, variant_product

pytestmark = pytest.mark.django_db


def add(api_client: Any, shop: Any, **body: Any) -> str:
    response = api_client.post(add_url(shop.slug), body, format="json")
    assert response.status_code in (200, 201), response.json()
    return response.json()["token"]


def checkout(api_client: Any, token: str) -> None:
    response = api_client.post(checkout_url(token), CUSTOMER, format="json")
    assert response.status_code == 201, response.json()


def test_cart_add_of_a_simple_product(api_client, shop, django_assert_num_queries) -> None:
    products = [ProductFactory(shop=shop, stock_status="limited", stock_quantity=10) for _ in range(2)]

    # the product with its shop and first image (and the throttle's window), the cart and its line in one insert:
    # no transaction around them (nothing to lock, one write). Before: 3 (the throttle apart), 7 (two savepoints,
    # the cart and line inserted apart, the images read apart), and before that 10 (the shop apart; the cart,
    # its lines and their images read again)
    with django_assert_num_queries(2):
        token = add(api_client, shop, product_id=products[0].id)
    # the product (with the throttle), 2 savepoints, the cart locked, its lines read (with their products, items
    # and first images), the line and the cart's updated_at written in one statement (before: 7, the throttle
    # apart; 9, the images read and the cart written apart; before that 12)
    with django_assert_num_queries(6):
        add(api_client, shop, product_id=products[1].id, cart_token=token)
    with django_assert_num_queries(6):  # merged into its line
        add(api_client, shop, product_id=products[1].id, cart_token=token)

    assert sorted(CartItem.objects.values_list("product_id", "quantity")) == [(products[0].id, 1), (products[1].id, 2)]


def test_cart_add_of_an_inventory_item_by_id_or_by_options(api_client, shop, django_assert_num_queries) -> None:
    product, types, options, items = variant_product(shop=shop)
    token = add(api_client, shop, product_id=product.id, inventory_item_id=items[("S", "Red")].id)

    # + the item by id, the items' options (with their types) for the answer (before: 9, 11, then 14)
    with django_assert_num_queries(8):
        add(api_client, shop, product_id=product.id, cart_token=token, inventory_item_id=items[("S", "Blue")].id)
    choice = [
        {"variant_type_id": types["Size"].id, "variant_option_id": options["M"].id},
        {"variant_type_id": types["Colour"].id, "variant_option_id": options["Red"].id},
    ]
    # + the types and their options, the items and theirs, - the item by id (before: 12, 14, then 17)
    with django_assert_num_queries(11):
        add(api_client, shop, product_id=product.id, cart_token=token, options=choice)

    assert sorted(CartItem.objects.values_list("inventory_item_id", flat=True)) == sorted(
        item.id for item in (items[("S", "Red")], items[("S", "Blue")], items[("M", "Red")])
    )


def combination_product(shop: Any) -> tuple[Any, Any, list[Any]]:
    """A tracked product with one variant type (Size: S, M, L) and no inventory items."""
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=10)
    size = VariantTypeFactory(product=product, name="Size")
    return product, size, [VariantOptionFactory(variant_type=size, name=name) for name in "SML"]


def test_cart_add_of_an_option_combination(api_client, shop, django_assert_num_queries) -> None:
    product, size, (small, medium, _) = combination_product(shop)
    token = add(api_client, shop, product_id=product.id, options=[{"type_id": size.id, "option_id": small.id}])

    # + the types and their options, + the cart's combination options (before: 10, 12, then 15)
    with django_assert_num_queries(9):
        add(
            api_client,
            shop,
            product_id=product.id,
            cart_token=token,
            options=[{"type_id": size.id, "option_id": medium.id}],
        )

    assert sorted(CartItem.objects.values_list("option_key", flat=True)) == sorted([str(small.id), str(medium.id)])


@pytest.mark.parametrize("lines", [1, 3])
def test_checkout_of_simple_products_costs_the_same_for_1_or_3_lines(
    api_client, shop, django_assert_num_queries, lines
) -> None:
    products = [ProductFactory(shop=shop, stock_status="limited", stock_quantity=10) for _ in range(lines)]
    token = None
    for product in products:
        token = add(api_client, shop, product_id=product.id, **({"cart_token": token} if token else {}))

    # throttle, 2 savepoints (payments' transaction: in production BEGIN and COMMIT), cart locked with its shop,
    # lines, products locked (with their first images, for the answer, built from what was written, not read
    # again), one stock update, the order with its lines and the cart's conversion (one statement: INSERT ... ON
    # CONFLICT DO NOTHING, no savepoint), the 2 mails' rows (one INSERT) and their jobs (one call), the shop's
    # webhook endpoints (none: no event), the shop's payment settings, the payment. Before: 16 (the images read
    # apart, after the commit; the order, its lines and the cart's update apart); 24 (a savepoint pair around
    # orders' checkout and another around the order insert, each mail's row and job apart, the order read again
    # in 3 queries).
    assert token is not None
    with django_assert_num_queries(13):
        checkout(api_client, token)

    assert [product.stock_quantity for product in type(products[0]).objects.filter(shop=shop)] == [9] * lines


def test_checkout_of_3_inventory_items(api_client, shop, django_assert_num_queries) -> None:
    product, _, _, items = variant_product(shop=shop)
    token = add(api_client, shop, product_id=product.id, inventory_item_id=items[("S", "Red")].id)
    for key in (("S", "Blue"), ("M", "Red")):
        add(api_client, shop, product_id=product.id, cart_token=token, inventory_item_id=items[key].id)

    # + the items locked with their options, the items' update and the product's sum of its items (before: 20
    # with the images, the order, its lines and the cart's update apart; 28)
    with django_assert_num_queries(17):
        checkout(api_client, token)

    product.refresh_from_db()
    assert (product.stock_quantity, Order.objects.get().items.filter(stock_taken=True).count()) == (17, 3)


def test_checkout_of_3_option_combinations(api_client, shop, django_assert_num_queries) -> None:
    product, size, options = combination_product(shop)
    token = None
    for option in options:
        body = {"options": [{"type_id": size.id, "option_id": option.id}], **({"cart_token": token} if token else {})}
        token = add(api_client, shop, product_id=product.id, **body)

    assert token is not None
    with django_assert_num_queries(15):  # + the chosen options and the products' types (before: 18; 26)
        checkout(api_client, token)

    product.refresh_from_db()
    assert (product.stock_quantity, Order.objects.get().items.count()) == (7, 3)
