"""The owner's orders: list (newest first, item counts without a query per order), detail, and status
changes along the allowed transitions only, with the stock given back once on cancel or refund."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderStatus
from orders.services.checkout import cart_checkout
from orders.tests.endpoints import CUSTOMER, order_url, orders_url
from orders.tests.factories import CartFactory, CartItemFactory
from orders.tests.snapshots import commerce_rows
from shops.models import Product, Shop
from shops.tests.factories import ProductFactory, ShopFactory, variant_product
from shops.tests.snapshots import as_json

pytestmark = pytest.mark.django_db

# Token lookup (2), shop, count, orders with their item counts.
ORDER_LIST_QUERIES = 5


def place_order(shop: Shop, *lines: tuple[Product, int], **customer: str) -> Order:
    """An order made by the real checkout of a cart holding `lines`."""
    cart = CartFactory(shop=shop)
    for product, quantity in lines:
        CartItemFactory(cart=cart, product=product, quantity=quantity)
    return cart_checkout(token=cart.token, **{**CUSTOMER, **customer}).order


def list_body(order: Order, *, item_count: int, total: str) -> dict:
    order.refresh_from_db()
    return {
        "id": order.id,
        "order_number": order.order_number,
        "status": order.status,
        "currency": "USD",
        "subtotal_amount": total,
        "discount_amount": "0.00",
        "tax_amount": "0.00",
        "shipping_amount": "0.00",
        "total_amount": total,
        "customer_name": order.customer_name,
        "customer_email": order.customer_email,
        "placed_at": as_json(order.placed_at),
        "updated_at": as_json(order.updated_at),
        "item_count": item_count,
    }


def test_owner_lists_orders_newest_first_with_item_counts(owner_client, shop, other_shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("3.00"))
    first = place_order(shop, (product, 2), customer_name="First")
    second = place_order(
        shop, (product, 1), (ProductFactory(shop=shop, price=Decimal("1.50")), 4), customer_name="Second"
    )
    place_order(other_shop, (ProductFactory(shop=other_shop), 1))

    response = owner_client.get(orders_url(shop.id))

    assert response.status_code == 200
    assert response.json() == [
        list_body(second, item_count=5, total="9.00"),
        list_body(first, item_count=2, total="6.00"),
    ]
    assert response["X-Total-Count"] == "2"


def test_owner_order_list_paginates_on_request(owner_client, shop) -> None:
    product = ProductFactory(shop=shop)
    orders = [place_order(shop, (product, 1)) for _ in range(3)]

    response = owner_client.get(orders_url(shop.id), {"page": 2, "page_size": 2})

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert [order["id"] for order in response.json()["results"]] == [orders[0].id]


@pytest.mark.parametrize("count", [1, 25])
def test_order_list_queries_do_not_grow_with_the_orders(owner_client, shop, django_assert_num_queries, count) -> None:
    products = [ProductFactory(shop=shop) for _ in range(3)]
    for _ in range(count):
        place_order(shop, *[(product, 1) for product in products])

    with django_assert_num_queries(ORDER_LIST_QUERIES):
        response = owner_client.get(orders_url(shop.id))

    assert [order["item_count"] for order in response.json()] == [3] * count


def test_order_detail_queries_do_not_grow_with_the_lines(owner_client, shop, django_assert_num_queries) -> None:
    products = [ProductFactory(shop=shop) for _ in range(10)]
    order = place_order(shop, *[(product, 1) for product in products])

    # Token lookup (2), shop, order with item count, lines with products, product images.
    with django_assert_num_queries(6):
        response = owner_client.get(order_url(shop.id, order.id))

    assert len(response.json()["items"]) == 10


def test_owner_reads_an_order_in_detail(owner_client, shop) -> None:
    order = place_order(shop, (ProductFactory(shop=shop, name="Mug", price=Decimal("4.00")), 2))
    line = order.items.get()

    response = owner_client.get(order_url(shop.id, order.id))

    assert response.status_code == 200
    assert response.json() == {
        **list_body(order, item_count=2, total="8.00"),
        "customer_phone": CUSTOMER["customer_phone"],
        "notes": CUSTOMER["notes"],
        "shipping_address": CUSTOMER["shipping_address"],
        "billing_address": {},
        "items": [
            {
                "id": line.id,
                "product_id": line.product_id,
                "product_name": "Mug",
                "product_slug": line.product_slug,
                "sku": line.sku,
                "quantity": 2,
                "unit_price": "4.00",
                "subtotal_amount": "8.00",
                "currency": "USD",
                "option_label": "",
                "options": [],
                "product_image": None,
                "inventory_item_id": None,
            }
        ],
    }


ALLOWED = [
    (OrderStatus.PENDING, OrderStatus.PAID),
    (OrderStatus.PENDING, OrderStatus.CANCELLED),
    (OrderStatus.PAID, OrderStatus.FULFILLED),
    (OrderStatus.PAID, OrderStatus.REFUNDED),
    (OrderStatus.PAID, OrderStatus.CANCELLED),
    (OrderStatus.FULFILLED, OrderStatus.REFUNDED),
]
ALL = [(current, new) for current in OrderStatus.values for new in OrderStatus.values if current != new]


@pytest.mark.parametrize(("current", "new"), ALLOWED)
def test_allowed_status_changes(owner_client, shop, current, new) -> None:
    order = place_order(shop, (ProductFactory(shop=shop), 1))
    Order.objects.filter(id=order.id).update(status=current)

    response = owner_client.patch(order_url(shop.id, order.id), {"status": new}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == new
    order.refresh_from_db()
    assert order.status == new


@pytest.mark.parametrize(("current", "new"), [pair for pair in ALL if pair not in ALLOWED])
def test_other_status_changes_are_refused(owner_client, shop, current, new) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=5)
    order = place_order(shop, (product, 2))
    Order.objects.filter(id=order.id).update(status=current)
    before = commerce_rows()

    response = owner_client.put(order_url(shop.id, order.id), {"status": new}, format="json")

    assert response.status_code == 400
    assert response.json()["status"][0].startswith(f"An order cannot go from {current} to {new}")
    assert commerce_rows() == before


def test_an_unknown_status_is_refused(owner_client, shop) -> None:
    order = place_order(shop, (ProductFactory(shop=shop), 1))

    response = owner_client.patch(order_url(shop.id, order.id), {"status": "shipped"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"status": ['"shipped" is not a valid choice.']}


def test_cancelling_gives_the_stock_back_once(owner_client, shop) -> None:
    simple = ProductFactory(shop=shop, stock_status="limited", stock_quantity=5)
    variant, _types, _options, items = variant_product(shop=shop, stock=4)
    untracked = ProductFactory(shop=shop, stock_status="in_stock", stock_quantity=0)
    cart = CartFactory(shop=shop)
    CartItemFactory(cart=cart, product=simple, quantity=2)
    CartItemFactory(cart=cart, product=variant, inventory_item=items[("M", "Red")], quantity=3)
    CartItemFactory(cart=cart, product=untracked, quantity=7)
    order = cart_checkout(token=cart.token, **CUSTOMER).order
    simple.refresh_from_db()
    variant.refresh_from_db()
    assert (simple.stock_quantity, variant.stock_quantity) == (3, 13)

    first = owner_client.patch(order_url(shop.id, order.id), {"status": "cancelled"}, format="json")
    second = owner_client.patch(order_url(shop.id, order.id), {"status": "cancelled"}, format="json")

    assert (first.status_code, second.status_code) == (200, 200)
    simple.refresh_from_db()
    variant.refresh_from_db()
    untracked.refresh_from_db()
    items[("M", "Red")].refresh_from_db()
    assert (simple.stock_quantity, items[("M", "Red")].stock_quantity, variant.stock_quantity) == (5, 4, 16)
    assert untracked.stock_quantity == 0
    assert list(order.items.values_list("stock_taken", flat=True)) == [False, False, False]


def test_refunding_a_fulfilled_order_gives_the_stock_back(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=5)
    order = place_order(shop, (product, 5))
    for status in ("paid", "fulfilled", "refunded"):
        assert owner_client.patch(order_url(shop.id, order.id), {"status": status}, format="json").status_code == 200

    product.refresh_from_db()
    assert product.stock_quantity == 5


def test_anonymous_gets_401_and_nothing_changes(api_client, shop) -> None:
    order = place_order(shop, (ProductFactory(shop=shop), 1))
    before = commerce_rows()

    responses = [
        api_client.get(orders_url(shop.id)),
        api_client.get(order_url(shop.id, order.id)),
        api_client.patch(order_url(shop.id, order.id), {"status": "paid"}, format="json"),
    ]

    assert [response.status_code for response in responses] == [401, 401, 401]
    assert commerce_rows() == before


def test_another_users_shop_and_orders_are_404_and_nothing_changes(other_client, owner_client, user, shop) -> None:
    order = place_order(shop, (ProductFactory(shop=shop), 1))
    my_other_shop = ShopFactory(owner=user)
    before = commerce_rows()

    responses = [
        other_client.get(orders_url(shop.id)),
        other_client.get(order_url(shop.id, order.id)),
        other_client.patch(order_url(shop.id, order.id), {"status": "cancelled"}, format="json"),
        owner_client.get(order_url(my_other_shop.id, order.id)),
        owner_client.patch(order_url(my_other_shop.id, order.id), {"status": "cancelled"}, format="json"),
    ]

    assert [response.status_code for response in responses] == [404] * 5
    assert commerce_rows() == before
