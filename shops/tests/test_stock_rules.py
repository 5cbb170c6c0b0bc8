"""The stock rules without a database: what is on sale, how many can be bought, and the refusals carts and
checkout show. No test here may touch the database (the locking and writing are tested through checkout and
order status changes in orders/tests)."""

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shops.models import Product, ProductInventoryItem, ProductStatus, Shop, StockStatus
from shops.stock import LockedStock, StockLine, available_quantity, is_on_sale, quantity_check, still_available_check

TODAY = date(2026, 11, 29)


def product(*, shows_quantity: bool = True, **fields: Any) -> Product:
    fields = {"id": 7, "name": "Mug", "status": ProductStatus.ACTIVE, "stock_status": StockStatus.LIMITED, **fields}
    return Product(shop=Shop(show_stock_quantity=shows_quantity), **fields)


def refusal(call: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.messages


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": ProductStatus.DRAFT}, False),
        ({"available_from": date(2026, 11, 30)}, False),
        ({"available_from": TODAY, "available_to": TODAY}, True),
        ({"available_to": date(2026, 11, 28)}, False),
        ({}, True),
    ],
)
def test_on_sale_means_active_and_inside_the_window(fields: dict[str, Any], expected: bool) -> None:
    assert is_on_sale(product(**fields), today=TODAY) is expected


def test_available_quantity_of_products_and_items() -> None:
    tracked = product(stock_quantity=4)
    item = ProductInventoryItem(stock_quantity=2, is_active=True)

    assert [
        available_quantity(tracked, None),
        available_quantity(tracked, item),
        available_quantity(tracked, ProductInventoryItem(stock_quantity=2, is_active=False)),
        available_quantity(product(stock_status=StockStatus.IN_STOCK, stock_quantity=0), item),
        available_quantity(product(stock_status=StockStatus.OUT_OF_STOCK, stock_quantity=9), None),
    ] == [4, 2, 0, None, 0]


def test_quantity_check_allows_up_to_the_stock_and_any_quantity_untracked() -> None:
    quantity_check(product=product(stock_quantity=3), item=None, quantity=3)
    quantity_check(product=product(stock_status=StockStatus.IN_STOCK), item=None, quantity=10_000)


def test_quantity_check_refusals_tell_the_count_only_when_the_shop_shows_it() -> None:
    assert refusal(lambda: quantity_check(product=product(stock_quantity=3), item=None, quantity=4)) == [
        "Only 3 of Mug left in stock"
    ]
    hidden = product(stock_quantity=3, shows_quantity=False)
    assert refusal(lambda: quantity_check(product=hidden, item=None, quantity=4)) == [
        "Not enough of Mug in stock for this quantity"
    ]
    assert refusal(lambda: quantity_check(product=product(stock_quantity=0), item=None, quantity=1)) == [
        "Mug is out of stock"
    ]


def test_still_available_refuses_products_off_sale_and_items_inactive_or_gone() -> None:
    still_available_check(product=product(), item=ProductInventoryItem(is_active=True), today=TODAY)
    for kwargs in (
        {"product": product(status=ProductStatus.ARCHIVED), "item": None},
        {"product": product(), "item": ProductInventoryItem(is_active=False)},
        {"product": product(), "item": None, "item_gone": True},
    ):
        assert refusal(lambda kwargs=kwargs: still_available_check(today=TODAY, **kwargs)) == [
            "Mug is no longer available"
        ]


def test_lines_of_one_item_or_of_one_products_own_stock_share_it() -> None:
    assert [
        StockLine(product_id=7, item_id=3, quantity=1).stock,
        StockLine(product_id=7, item_id=None, quantity=1).stock,
        StockLine(product_id=None, item_id=None, quantity=1).stock,
    ] == [("item", 3), ("product", 7), ("product", None)]


def test_locked_stock_answers_the_lines_product_and_item_or_the_refusal() -> None:
    mug = product()
    item = ProductInventoryItem(id=3, product=mug, is_active=True)
    stock = LockedStock(products={7: mug}, items={3: item})

    assert stock.line_sellable(StockLine(product_id=7, item_id=3, quantity=1), today=TODAY) == (mug, item)
    assert stock.line_sellable(StockLine(product_id=7, item_id=None, quantity=1), today=TODAY) == (mug, None)
    assert refusal(lambda: stock.line_sellable(StockLine(product_id=8, item_id=None, quantity=1), today=TODAY)) == [
        "A product in the cart is no longer available"
    ]
    assert refusal(lambda: stock.line_sellable(StockLine(product_id=7, item_id=4, quantity=1), today=TODAY)) == [
        "Mug is no longer available"
    ]
