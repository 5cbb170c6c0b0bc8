"""Inventory item SKUs: an item sent with the product's SKU (or none) inherits it, as the existing inventory
page sends every new item (`existing.sku || product.sku`); an item's own SKU names one thing in the shop."""

import itertools
from typing import Any

import pytest
from rest_framework.test import APIClient

from shops.models import Product, ProductInventoryItem, Shop
from shops.tests.factories import ShopFactory
from shops.tests.test_variants_sync import variant_rows

pytestmark = pytest.mark.django_db


def editor_product(client: APIClient, shop: Shop, *, sku: str = "TEE-1", slug: str = "classic-tee") -> dict[str, Any]:
    """The product editor's create with two variant types (3 sizes x 2 colours)."""
    response = client.post(
        f"/api/v1/shops/{shop.id}/products/",
        {
            "name": f"Classic Tee {slug}",
            "slug": slug,
            "sku": sku,
            "category": "Tees",
            "status": "active",
            "base_price": "25.00",
            "discounted_price": None,
            "currency": "USD",
            "stock_quantity": 0,
            "stock_status": "limited",
            "variant_types": [
                {"name": "Size", "options": [{"name": "S"}, {"name": "M"}, {"name": "L"}]},
                {"name": "Color", "options": [{"name": "Red"}, {"name": "Blue"}]},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def inventory_page_items(product: dict[str, Any], *, skus: list[str] | None = None) -> list[dict[str, Any]]:
    """What the inventory page sends: every combination, `sku: existing.sku || product.sku`."""
    size, color = product["variant_types"]
    existing = {
        tuple(o["variant_option_id"] for o in item["options"]): item for item in product.get("inventory_items", [])
    }
    items = []
    for index, (s, c) in enumerate(itertools.product(size["options"], color["options"])):
        current = existing.get((s["id"], c["id"]), {})
        item = {
            "sku": skus[index] if skus else (current.get("sku") or product["sku"]),
            "stock_quantity": 4,
            "price_override": None,
            "is_active": True,
            "options": [
                {"variant_type_id": size["id"], "variant_option_id": s["id"]},
                {"variant_type_id": color["id"], "variant_option_id": c["id"]},
            ],
        }
        if current:
            item["id"] = current["id"]
        items.append(item)
    return items


def patch_items(client: APIClient, shop: Shop, product: dict[str, Any], items: list[dict[str, Any]]) -> Any:
    return client.patch(f"/api/v1/shops/{shop.id}/products/{product['id']}/", {"inventory_items": items}, format="json")


def test_six_items_sent_with_the_products_sku_inherit_it(owner_client, shop) -> None:
    product = editor_product(owner_client, shop)

    response = patch_items(owner_client, shop, product, inventory_page_items(product))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [item["sku"] for item in body["inventory_items"]] == ["TEE-1"] * 6
    assert (body["stock_quantity"], body["in_stock"]) == (24, True)
    assert list(ProductInventoryItem.objects.values_list("sku", flat=True)) == [""] * 6
    # Saved again as the page does (ids and the SKUs it read back): the same.
    again = patch_items(owner_client, shop, product, inventory_page_items(body))
    assert again.status_code == 200, again.json()
    assert [item["id"] for item in again.json()["inventory_items"]] == [item["id"] for item in body["inventory_items"]]
    assert [item["sku"] for item in again.json()["inventory_items"]] == ["TEE-1"] * 6


def test_blank_or_differently_cased_product_sku_also_inherits_and_follows_a_renamed_product(owner_client, shop) -> None:
    product = editor_product(owner_client, shop)
    patch_items(owner_client, shop, product, inventory_page_items(product, skus=["", " tee-1 ", *["TEE-1"] * 4]))

    renamed = owner_client.patch(f"/api/v1/shops/{shop.id}/products/{product['id']}/", {"sku": "TEE-2"}, format="json")

    assert renamed.status_code == 200
    assert [item["sku"] for item in renamed.json()["inventory_items"]] == ["TEE-2"] * 6


def test_distinct_item_skus_are_kept(owner_client, shop) -> None:
    product = editor_product(owner_client, shop)
    skus = ["TEE-S-R", "TEE-S-B", "TEE-M-R", "TEE-M-B", "TEE-1", ""]

    response = patch_items(owner_client, shop, product, inventory_page_items(product, skus=skus))

    assert response.status_code == 200
    assert [item["sku"] for item in response.json()["inventory_items"]] == [*skus[:4], "TEE-1", "TEE-1"]
    assert list(ProductInventoryItem.objects.order_by("position").values_list("sku", flat=True)) == [
        *skus[:4],
        "",
        "",
    ]


def test_a_distinct_sku_twice_in_the_product_is_refused_and_nothing_written(owner_client, shop) -> None:
    product = editor_product(owner_client, shop)
    before = variant_rows()

    response = patch_items(
        owner_client, shop, product, inventory_page_items(product, skus=["A-1", "a-1", "", "", "", ""])
    )

    assert response.status_code == 400
    assert response.json() == {"inventory_items": ["Inventory item 2: another item already has the SKU 'a-1'."]}
    assert variant_rows() == before


@pytest.mark.parametrize("taken", ["OTHER-ITEM", "other-item", "MUG-1"])
def test_a_distinct_sku_of_another_product_of_the_shop_is_refused_and_nothing_written(
    owner_client, shop, taken
) -> None:
    mug = editor_product(owner_client, shop, sku="MUG-1", slug="mug")
    patch_items(owner_client, shop, mug, inventory_page_items(mug, skus=["OTHER-ITEM", "", "", "", "", ""]))
    product = editor_product(owner_client, shop)
    before = variant_rows()

    response = patch_items(owner_client, shop, product, inventory_page_items(product, skus=[taken, *[""] * 5]))

    assert response.status_code == 400
    stored = "MUG-1" if taken == "MUG-1" else "OTHER-ITEM"
    assert response.json() == {"inventory_items": [f"Another product of this shop already uses the SKU '{stored}'."]}
    assert variant_rows() == before


def test_a_product_sku_taken_by_another_products_item_is_refused(owner_client, shop) -> None:
    mug = editor_product(owner_client, shop, sku="MUG-1", slug="mug")
    patch_items(owner_client, shop, mug, inventory_page_items(mug, skus=["OTHER-ITEM", "", "", "", "", ""]))
    before = variant_rows()

    response = owner_client.patch(f"/api/v1/shops/{shop.id}/products/{mug['id']}/", {"sku": "X"}, format="json")
    tee = owner_client.post(
        f"/api/v1/shops/{shop.id}/products/", {"name": "Tee", "sku": "other-item", "base_price": "5.00"}, format="json"
    )

    assert response.status_code == 200
    assert (tee.status_code, tee.json()) == (
        400,
        {"sku": ["An inventory item of another product of this shop has this SKU."]},
    )
    assert Product.objects.count() == 1
    assert variant_rows()["items"] == before["items"]


def test_the_same_item_sku_in_two_shops_is_fine(owner_client, shop, user) -> None:
    second = ShopFactory(owner=user)
    first = editor_product(owner_client, shop)
    other = editor_product(owner_client, second)

    a = patch_items(owner_client, shop, first, inventory_page_items(first, skus=["SAME", *[""] * 5]))
    b = patch_items(owner_client, second, other, inventory_page_items(other, skus=["SAME", *[""] * 5]))

    assert (a.status_code, b.status_code) == (200, 200)
