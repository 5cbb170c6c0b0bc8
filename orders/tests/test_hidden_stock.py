"""Limited stock on the storefront when the shop hides quantities: the existing frontend's product page
decides "buyable" from `stock_quantity` > 0, so it gets 0 or the capped HIDDEN_STOCK_QUANTITY, never the count;
cart and checkout refusals do not tell it either. With `show_stock_quantity` every answer has the count."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from orders.tests.endpoints import CUSTOMER, add_url, checkout_url
from orders.tests.snapshots import commerce_rows
from shops.models import Shop
from shops.stock import HIDDEN_STOCK_QUANTITY
from shops.tests.factories import ProductFactory, variant_product

pytestmark = pytest.mark.django_db


def product_page(client: APIClient, shop: Shop, slug: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/shops/slug/{shop.slug}/products/{slug}/")
    assert response.status_code == 200
    return response.json()


def frontend_add(
    client: APIClient, shop: Shop, page: dict[str, Any], item: dict[str, Any] | None, quantity: int
) -> Any:
    """The product page's add to cart: `{product_id, quantity, inventory_item_id, options[]}`."""
    options = [
        {"variant_type_id": o["variant_type_id"], "variant_option_id": o["variant_option_id"]}
        for o in (item["options"] if item else [])
    ]
    body = {"product_id": page["id"], "quantity": quantity, "inventory_item_id": item["id"] if item else None}
    return client.post(add_url(shop.slug), {**body, "options": options}, format="json")


def test_hidden_quantities_answer_zero_or_the_cap_and_the_frontend_sells_the_product(api_client, shop) -> None:
    assert not shop.show_stock_quantity
    _product, _types, _options, items = variant_product(shop=shop, slug="cap", stock=3)
    items[("S", "Red")].stock_quantity = 0
    items[("S", "Red")].save()
    ProductFactory(shop=shop, slug="mug", stock_status="limited", stock_quantity=2)
    ProductFactory(shop=shop, slug="gone", stock_status="limited", stock_quantity=0)
    ProductFactory(shop=shop, slug="free", stock_status="in_stock", stock_quantity=0)

    page = product_page(api_client, shop, "cap")

    assert [item["stock_quantity"] for item in page["inventory_items"]] == [0, 99, 99, 99]
    assert [item["is_available"] for item in page["inventory_items"]] == [False, True, True, True]
    assert page["stock_quantity"] == HIDDEN_STOCK_QUANTITY == 99
    assert [product_page(api_client, shop, slug)["stock_quantity"] for slug in ("mug", "gone", "free")] == [99, 0, 99]
    listed = api_client.get(f"/api/v1/shops/slug/{shop.slug}/").json()["products"]
    assert sorted(p["stock_quantity"] for p in listed) == [0, 99, 99, 99]
    # The page picks a buyable item (stock_quantity > 0) and sells it.
    buyable = next(item for item in page["inventory_items"] if item["stock_quantity"] > 0)
    assert frontend_add(api_client, shop, page, buyable, 1).status_code == 201


def test_shown_quantities_answer_the_exact_count(api_client, shop) -> None:
    Shop.objects.filter(id=shop.id).update(show_stock_quantity=True)
    variant_product(shop=shop, slug="cap", stock=3)
    ProductFactory(shop=shop, slug="mug", stock_status="limited", stock_quantity=2)

    page = product_page(api_client, shop, "cap")

    assert [item["stock_quantity"] for item in page["inventory_items"]] == [3, 3, 3, 3]
    assert (page["stock_quantity"], product_page(api_client, shop, "mug")["stock_quantity"]) == (12, 2)
    assert frontend_add(api_client, shop, page, page["inventory_items"][1], 3).status_code == 201


@pytest.mark.parametrize(
    ("shown", "message"),
    [(False, "Not enough of Cap in stock for this quantity"), (True, "Only 3 of Cap left in stock")],
)
def test_cart_and_checkout_refusals_tell_the_count_only_when_shown(api_client, shop, shown, message) -> None:
    Shop.objects.filter(id=shop.id).update(show_stock_quantity=shown)
    _product, _types, _options, items = variant_product(shop=shop, slug="cap", name="Cap", stock=3)
    page = product_page(api_client, shop, "cap")
    item = next(i for i in page["inventory_items"] if i["id"] == items[("M", "Red")].id)
    before = commerce_rows()

    too_many = frontend_add(api_client, shop, page, item, 4)

    assert (too_many.status_code, too_many.json()) == (400, {"detail": message})
    assert commerce_rows() == before
    added = frontend_add(api_client, shop, page, item, 2)
    token = added.json()["token"]
    line = added.json()["items"][0]["id"]
    raised = api_client.patch(f"/api/v1/shops/carts/{token}/items/{line}/", {"quantity": 5}, format="json")
    assert (raised.status_code, raised.json()) == (400, {"detail": message})
    # The stock falls under the cart's quantity before checkout.
    items[("M", "Red")].stock_quantity = 1
    items[("M", "Red")].save()
    before = commerce_rows()
    checkout = api_client.post(checkout_url(token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    expected = message if not shown else "Only 1 of Cap left in stock"
    assert (checkout.status_code, checkout.json()) == (400, {"detail": expected})
    assert commerce_rows() == before
