"""Variant types, options and inventory items, synced from the product payload (create, PATCH, PUT): all or
nothing, matched by id, missing ones deleted, labels computed from the current names."""

from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model

from shops.models import (
    Product,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    Shop,
    StockStatus,
)
from shops.tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


def products_url(shop: Shop) -> str:
    return f"/api/v1/shops/{shop.id}/products/"


def product_url(product: Product | int, shop: Shop) -> str:
    product_id = product if isinstance(product, int) else product.id
    return f"/api/v1/shops/{shop.id}/products/{product_id}/"


def variant_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of the product, variant and inventory tables (and the item-option links), in id order."""
    through = ProductInventoryItem.options.through
    return {
        "products": rows_of(Product),
        "types": rows_of(ProductVariantType),
        "options": rows_of(ProductVariantOption),
        "items": rows_of(ProductInventoryItem),
        "links": rows_of(through, "productinventoryitem_id", "productvariantoption_id"),
    }


def rows_of(model: type[Model], *fields: str) -> list[dict[str, Any]]:
    return list(model._default_manager.order_by("id").values(*fields))


SIZE_AND_COLOR = [
    {"name": "Size", "options": [{"name": "S"}, {"name": "M"}]},
    {
        "name": "Color",
        "input_type": "color",
        "options": [{"name": "Red", "color_hex": "#FF0000"}, {"name": "Blue", "value": "navy", "color_hex": "#0000ff"}],
    },
]


def create_with_variants(client: Any, shop: Shop, **extra: Any) -> dict[str, Any]:
    response = client.post(
        products_url(shop),
        {"name": "T-Shirt", "price": "20", "stock_status": "limited", "variant_types": SIZE_AND_COLOR, **extra},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_with_variant_types_keeps_colour_support_and_order(owner_client, shop) -> None:
    body = create_with_variants(owner_client, shop)

    size, color = ProductVariantType.objects.order_by("position")
    s, m = size.options.order_by("position")
    red, blue = color.options.order_by("position")
    assert body["variant_types"] == [
        {
            "id": size.id,
            "name": "Size",
            "input_type": "text",
            "sort_order": 0,
            "options": [
                {"id": s.id, "name": "S", "value": "S", "color_hex": "", "sort_order": 0},
                {"id": m.id, "name": "M", "value": "M", "color_hex": "", "sort_order": 1},
            ],
        },
        {
            "id": color.id,
            "name": "Color",
            "input_type": "color",
            "sort_order": 1,
            "options": [
                {"id": red.id, "name": "Red", "value": "Red", "color_hex": "#ff0000", "sort_order": 0},
                {"id": blue.id, "name": "Blue", "value": "navy", "color_hex": "#0000ff", "sort_order": 1},
            ],
        },
    ]
    assert body["inventory_items"] == []


def test_inventory_items_by_ids_get_keys_labels_default_and_the_products_stock(owner_client, shop) -> None:
    body = create_with_variants(owner_client, shop)
    (size, color) = body["variant_types"]
    combos = [(s, c) for s in size["options"] for c in color["options"]]
    items = [
        {
            "sku": f"TS-{s['name']}-{c['name']}",
            "stock_quantity": index + 1,
            "options": [
                {"variant_type_id": size["id"], "variant_option_id": s["id"]},
                {"variant_type_id": color["id"], "variant_option_id": c["id"]},
            ],
        }
        for index, (s, c) in enumerate(combos)
    ]
    items[2]["price_override"] = "25.5"
    items[3]["is_active"] = False

    response = owner_client.patch(product_url(body["id"], shop), {"inventory_items": items}, format="json")

    assert response.status_code == 200, response.json()
    rows = list(ProductInventoryItem.objects.order_by("position"))
    assert [row.option_key for row in rows] == ["-".join(str(i) for i in sorted((s["id"], c["id"]))) for s, c in combos]
    assert response.json()["inventory_items"] == [
        {
            "id": row.id,
            "sku": f"TS-{s['name']}-{c['name']}",
            "stock_quantity": index + 1,
            "is_active": index != 3,
            "is_default": index == 0,
            "price_override": "25.50" if index == 2 else None,
            "calculated_price": "25.50" if index == 2 else "20.00",
            "option_label": f"Size: {s['name']} / Color: {c['name']}",
            "options": [
                {
                    "variant_type_id": size["id"],
                    "variant_type_name": "Size",
                    "variant_option_id": s["id"],
                    "variant_option_name": s["name"],
                },
                {
                    "variant_type_id": color["id"],
                    "variant_type_name": "Color",
                    "variant_option_id": c["id"],
                    "variant_option_name": c["name"],
                },
            ],
        }
        for index, (row, (s, c)) in enumerate(zip(rows, combos, strict=True))
    ]
    # The product's stock is the sum of its active items: 1 + 2 + 3 (the fourth is inactive).
    assert (response.json()["stock_quantity"], Product.objects.get().stock_quantity) == (6, 6)


def test_items_can_name_types_and_options_created_in_the_same_payload(owner_client, shop) -> None:
    body = create_with_variants(
        owner_client,
        shop,
        inventory_items=[
            {
                "stock_quantity": 2,
                "options": [
                    {"variant_type": "Size", "variant_option": "M"},
                    {"variant_type": "Color", "variant_option": "Red"},
                ],
            },
            {
                "stock_quantity": 1,
                "is_default": True,
                "options": [
                    {"variant_type": "size", "variant_option": "s"},
                    {"variant_type": "COLOR", "variant_option": "blue"},
                ],
            },
        ],
    )

    assert [(item["option_label"], item["is_default"]) for item in body["inventory_items"]] == [
        ("Size: M / Color: Red", False),
        ("Size: S / Color: Blue", True),
    ]
    assert body["stock_quantity"] == 3


def test_an_unknown_item_id_is_400_and_nothing_changes(owner_client, shop) -> None:
    body = create_with_variants(owner_client, shop)
    before = variant_rows()

    response = owner_client.patch(
        product_url(body["id"], shop),
        {
            "name": "Renamed",
            "inventory_items": [
                {
                    "id": 999999,
                    "options": [
                        {"variant_type": "Size", "variant_option": "S"},
                        {"variant_type": "Color", "variant_option": "Red"},
                    ],
                }
            ],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "inventory_items": ["Inventory item 1: this product has no inventory item with id 999999."]
    }
    assert variant_rows() == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([{"variant_type": "Size", "variant_option": "S"}], "Inventory item 1: choose an option of Color."),
        (
            [
                {"variant_type": "Size", "variant_option": "S"},
                {"variant_type": "Size", "variant_option": "M"},
                {"variant_type": "Color", "variant_option": "Red"},
            ],
            "Inventory item 1: variant type 'Size' is given more than once.",
        ),
        (
            [{"variant_type": "Size", "variant_option": "Red"}, {"variant_type": "Color", "variant_option": "Blue"}],
            "Inventory item 1: variant type 'Size' has no option 'Red'.",
        ),
        (
            [{"variant_type": "Material", "variant_option": "Silk"}],
            "Inventory item 1: this product has no variant type 'Material'.",
        ),
    ],
    ids=["missing-type", "type-twice", "option-of-another-type", "unknown-type"],
)
def test_item_options_must_pick_one_option_of_each_type(owner_client, shop, options, message) -> None:
    body = create_with_variants(owner_client, shop)
    before = variant_rows()

    response = owner_client.patch(
        product_url(body["id"], shop), {"inventory_items": [{"options": options}]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"inventory_items": [message]}
    assert variant_rows() == before


def test_an_option_id_of_another_type_is_refused(owner_client, shop) -> None:
    body = create_with_variants(owner_client, shop)
    size, color = body["variant_types"]
    before = variant_rows()

    response = owner_client.patch(
        product_url(body["id"], shop),
        {
            "inventory_items": [
                {
                    "options": [
                        {"variant_type_id": size["id"], "variant_option_id": color["options"][0]["id"]},
                        {"variant_type_id": color["id"], "variant_option_id": color["options"][1]["id"]},
                    ]
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "inventory_items": [f"Inventory item 1: variant type 'Size' has no option {color['options'][0]['id']}."]
    }
    assert variant_rows() == before


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [
                {
                    "sku": "A",
                    "options": [
                        {"variant_type": "Size", "variant_option": "S"},
                        {"variant_type": "Color", "variant_option": "Red"},
                    ],
                },
                {
                    "sku": "B",
                    "options": [
                        {"variant_type": "Color", "variant_option": "Red"},
                        {"variant_type": "Size", "variant_option": "S"},
                    ],
                },
            ],
            "Inventory item 2: this combination of options is listed twice.",
        ),
        (
            [
                {
                    "sku": "A",
                    "options": [
                        {"variant_type": "Size", "variant_option": "S"},
                        {"variant_type": "Color", "variant_option": "Red"},
                    ],
                },
                {
                    "sku": "a",
                    "options": [
                        {"variant_type": "Size", "variant_option": "M"},
                        {"variant_type": "Color", "variant_option": "Red"},
                    ],
                },
            ],
            "Inventory item 2: another item already has the SKU 'a'.",
        ),
        (
            [
                {
                    "is_default": True,
                    "options": [
                        {"variant_type": "Size", "variant_option": "S"},
                        {"variant_type": "Color", "variant_option": "Red"},
                    ],
                },
                {
                    "is_default": True,
                    "options": [
                        {"variant_type": "Size", "variant_option": "M"},
                        {"variant_type": "Color", "variant_option": "Red"},
                    ],
                },
            ],
            "Only one inventory item can be the default.",
        ),
        (
            [
                {
                    "price_override": "1.005",
                    "options": [
                        {"variant_type": "Size", "variant_option": "S"},
                        {"variant_type": "Color", "variant_option": "Red"},
                    ],
                }
            ],
            "Inventory item 1: USD amounts have at most 2 decimal places.",
        ),
    ],
    ids=["same-combination", "same-sku", "two-defaults", "price-decimals"],
)
def test_invalid_items_on_create_write_nothing_not_even_the_product(owner_client, shop, items, message) -> None:
    before = variant_rows()

    response = owner_client.post(
        products_url(shop),
        {"name": "T-Shirt", "price": "20", "variant_types": SIZE_AND_COLOR, "inventory_items": items},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"inventory_items": [message]}
    assert variant_rows() == before


@pytest.mark.parametrize(
    ("item", "errors"),
    [
        ({"stock_quantity": -1}, {"stock_quantity": ["Ensure this value is greater than or equal to 0."]}),
        ({"price_override": "-1"}, {"price_override": ["Ensure this value is greater than or equal to 0."]}),
        ({"sku": "x" * 65}, {"sku": ["Ensure this field has no more than 64 characters."]}),
    ],
    ids=["negative-stock", "negative-price", "long-sku"],
)
def test_item_fields_are_validated(owner_client, shop, item, errors) -> None:
    before = variant_rows()

    response = owner_client.post(
        products_url(shop),
        {"name": "Mug", "price": "5", "inventory_items": [item]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"inventory_items": {"0": errors}}
    assert variant_rows() == before


@pytest.mark.parametrize(
    ("variant_types", "message"),
    [
        (
            [{"name": n, "options": [{"name": "x"}]} for n in ("A", "B", "C", "D")],
            "A product can have at most 3 variant types.",
        ),
        (
            [{"name": "Size", "options": []}, {"name": "SIZE", "options": []}],
            "Variant type 2: another variant type is already called 'SIZE'.",
        ),
        (
            [{"name": "Size", "options": [{"name": "M"}, {"name": " m "}]}],
            "Variant type 1, option 2: another option is already called 'm'.",
        ),
        (
            [{"name": "Color", "options": [{"name": "Red", "color_hex": "red"}]}],
            "Variant type 1, option 1: color_hex must look like #1a2b3c.",
        ),
        (
            [{"id": 999999, "name": "Size", "options": []}],
            "Variant type 1: this product has no variant type with id 999999.",
        ),
    ],
    ids=["four-types", "duplicate-type-name", "duplicate-option-name", "bad-colour", "unknown-type-id"],
)
def test_invalid_variant_types_are_400_not_500_and_write_nothing(owner_client, shop, variant_types, message) -> None:
    before = variant_rows()

    response = owner_client.post(
        products_url(shop), {"name": "T-Shirt", "price": "20", "variant_types": variant_types}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"variant_types": [message]}
    assert variant_rows() == before


def test_types_are_matched_by_id_renamed_reordered_and_missing_ones_deleted(owner_client, shop) -> None:
    body = create_with_variants(owner_client, shop)
    size, color = body["variant_types"]
    red, blue = color["options"]

    response = owner_client.patch(
        product_url(body["id"], shop),
        {
            "variant_types": [
                # Two kept types swap names, and two kept options swap names: the unique names never clash.
                {
                    "id": color["id"],
                    "name": "Size",
                    "input_type": "color",
                    "options": [{"id": blue["id"], "name": "Red"}, {"id": red["id"], "name": "Blue"}],
                },
                {"id": size["id"], "name": "Color", "options": [{"name": "Green", "color_hex": "#00ff00"}]},
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    types = response.json()["variant_types"]
    assert [(t["id"], t["name"], t["input_type"], t["sort_order"]) for t in types] == [
        (color["id"], "Size", "color", 0),
        (size["id"], "Color", "text", 1),
    ]
    green = ProductVariantOption.objects.get(name="Green")
    assert [[(o["id"], o["name"], o["color_hex"], o["sort_order"]) for o in t["options"]] for t in types] == [
        # Left out of the entries, the colours stay.
        [(blue["id"], "Red", "#0000ff", 0), (red["id"], "Blue", "#ff0000", 1)],
        [(green.id, "Green", "#00ff00", 0)],
    ]
    # S and M were left out, so they are deleted.
    assert ProductVariantOption.objects.count() == 3


def test_a_types_only_change_deletes_items_that_no_longer_match(owner_client, shop) -> None:
    body = create_with_variants(
        owner_client,
        shop,
        inventory_items=[
            {
                "stock_quantity": 2,
                "options": [
                    {"variant_type": "Size", "variant_option": "S"},
                    {"variant_type": "Color", "variant_option": "Red"},
                ],
            },
            {
                "stock_quantity": 3,
                "options": [
                    {"variant_type": "Size", "variant_option": "M"},
                    {"variant_type": "Color", "variant_option": "Blue"},
                ],
            },
        ],
    )
    size, color = body["variant_types"]
    kept_item = body["inventory_items"][1]

    # Red goes: the S/Red item no longer matches; M/Blue keeps its id, stock and label.
    response = owner_client.patch(
        product_url(body["id"], shop),
        {
            "variant_types": [
                {
                    "id": size["id"],
                    "name": "Size",
                    "options": [{"id": o["id"], "name": o["name"]} for o in size["options"]],
                },
                {
                    "id": color["id"],
                    "name": "Color",
                    "input_type": "color",
                    "options": [{"id": color["options"][1]["id"], "name": "Navy"}],
                },
            ]
        },
        format="json",
    )

    assert response.status_code == 200
    assert [(i["id"], i["stock_quantity"], i["option_label"]) for i in response.json()["inventory_items"]] == [
        (kept_item["id"], 3, "Size: M / Color: Navy"),
    ]
    assert response.json()["stock_quantity"] == 3


def test_adding_a_type_without_items_deletes_the_items(owner_client, shop) -> None:
    body = create_with_variants(
        owner_client,
        shop,
        inventory_items=[
            {
                "options": [
                    {"variant_type": "Size", "variant_option": "S"},
                    {"variant_type": "Color", "variant_option": "Red"},
                ]
            }
        ],
    )
    kept_types = [
        {"id": t["id"], "name": t["name"], "options": [{"id": o["id"], "name": o["name"]} for o in t["options"]]}
        for t in body["variant_types"]
    ]

    response = owner_client.patch(
        product_url(body["id"], shop),
        {"variant_types": [*kept_types, {"name": "Fit", "options": [{"name": "Slim"}]}]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["inventory_items"] == []
    assert ProductInventoryItem.objects.count() == 0


def test_items_without_ids_take_over_the_existing_item_of_their_combination(owner_client, shop) -> None:
    pair = [{"variant_type": "Size", "variant_option": "S"}, {"variant_type": "Color", "variant_option": "Red"}]
    body = create_with_variants(owner_client, shop, inventory_items=[{"stock_quantity": 1, "options": pair}])
    item_id = body["inventory_items"][0]["id"]

    response = owner_client.patch(
        product_url(body["id"], shop), {"inventory_items": [{"stock_quantity": 9, "options": pair}]}, format="json"
    )

    assert response.status_code == 200
    assert [(i["id"], i["stock_quantity"]) for i in response.json()["inventory_items"]] == [(item_id, 9)]


def test_an_empty_list_deletes_every_item(owner_client, shop) -> None:
    pair = [{"variant_type": "Size", "variant_option": "S"}, {"variant_type": "Color", "variant_option": "Red"}]
    body = create_with_variants(owner_client, shop, inventory_items=[{"stock_quantity": 1, "options": pair}])

    response = owner_client.patch(product_url(body["id"], shop), {"inventory_items": []}, format="json")

    assert response.status_code == 200
    assert (response.json()["inventory_items"], ProductInventoryItem.objects.count()) == ([], 0)
    assert len(response.json()["variant_types"]) == 2


def test_a_put_replaces_the_variants_too(owner_client, shop) -> None:
    body = create_with_variants(owner_client, shop)

    response = owner_client.put(
        product_url(body["id"], shop),
        {"name": "T-Shirt", "price": "20", "variant_types": [{"name": "Size", "options": [{"name": "XL"}]}]},
        format="json",
    )

    assert response.status_code == 200
    assert [(t["name"], [o["name"] for o in t["options"]]) for t in response.json()["variant_types"]] == [
        ("Size", ["XL"])
    ]
    assert ProductVariantType.objects.count() == 1


def test_another_shops_variant_ids_are_unknown_here(owner_client, shop, other_shop) -> None:
    foreign = ProductFactory(shop=other_shop)
    foreign_type = ProductVariantType.objects.create(product=foreign, name="Size")
    product = ProductFactory(shop=shop)
    before = variant_rows()

    response = owner_client.patch(
        product_url(product, shop),
        {"variant_types": [{"id": foreign_type.id, "name": "Size", "options": []}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "variant_types": [f"Variant type 1: this product has no variant type with id {foreign_type.id}."]
    }
    assert variant_rows() == before


def test_a_product_without_types_may_have_one_plain_item(owner_client, shop) -> None:
    response = owner_client.post(
        products_url(shop),
        {
            "name": "Mug",
            "price": "5",
            "stock_status": "limited",
            "inventory_items": [{"sku": "MUG-1", "stock_quantity": 4}],
        },
        format="json",
    )

    assert response.status_code == 201
    item = ProductInventoryItem.objects.get()
    assert (item.option_key, item.sku, item.is_default) == ("", "MUG-1", True)
    assert response.json()["inventory_items"][0]["option_label"] == ""
    assert response.json()["stock_quantity"] == 4


def test_price_override_fits_the_shops_currency(owner_client, user) -> None:
    user.account_type = "pro"
    user.save(update_fields=["account_type"])
    yen = ShopFactory(owner=user, currency="JPY")
    before = variant_rows()

    refused = owner_client.post(
        products_url(yen),
        {"name": "Tea", "price": "500", "inventory_items": [{"price_override": "450.5"}]},
        format="json",
    )
    allowed = owner_client.post(
        products_url(yen),
        {"name": "Tea", "price": "500", "inventory_items": [{"price_override": "450"}]},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json() == {"inventory_items": ["Inventory item 1: JPY amounts have at most 0 decimal places."]}
    assert allowed.status_code == 201
    assert allowed.json()["inventory_items"][0]["price_override"] == "450"
    assert ProductInventoryItem.objects.get().price_override == Decimal("450")
    assert len(variant_rows()["products"]) == len(before["products"]) + 1
    assert Product.objects.get().stock_status == StockStatus.IN_STOCK
