"""The variant plan without a database: a payload and a catalogue in memory make the plan or the refusal.

No test here may touch the database (pytest-django refuses any query without the `db` fixture)."""

from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from shops.models import ProductVariantOption, ProductVariantType
from shops.variant_plan import (
    MAX_VARIANT_TYPES,
    VariantCatalogue,
    inventory_items_plan,
    own_sku,
    variant_types_check,
)
from shops.variants import combination_options, option_entries, option_ids, option_key, option_label


def catalogue() -> VariantCatalogue:
    """Size (S=11, M=12) at position 0 and Colour (Red=21, Blue=22) at position 1, ids 1 and 2."""
    size = ProductVariantType(id=1, product_id=7, name="Size", position=0)
    colour = ProductVariantType(id=2, product_id=7, name="Colour", position=1)
    options = {
        1: [
            ProductVariantOption(id=11, variant_type=size, name="S"),
            ProductVariantOption(id=12, variant_type=size, name="M"),
        ],
        2: [
            ProductVariantOption(id=21, variant_type=colour, name="Red"),
            ProductVariantOption(id=22, variant_type=colour, name="Blue"),
        ],
    }
    return VariantCatalogue(types=[size, colour], options=options)


def plan(payload: list[dict[str, Any]], *, existing_ids: AbstractSet[int] = frozenset(), currency: str = "USD") -> Any:
    return inventory_items_plan(
        payload=payload, catalogue=catalogue(), existing_ids=set(existing_ids), product_sku="MUG", currency=currency
    )


def refusal(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_items_resolve_options_by_id_or_name_in_type_order() -> None:
    plans = plan(
        [
            {
                "options": [
                    {"variant_type": None, "variant_option": 22},
                    {"variant_type": "size", "variant_option": " m "},
                ]
            },
            {
                "sku": "mug",
                "options": [{"variant_type": 1, "variant_option": 11}, {"variant_type": 2, "variant_option": 21}],
            },
            {
                "sku": " MUG-SR ",
                "options": [{"variant_type": "Colour", "variant_option": "red"}, {"variant_option": 12}],
            },
        ]
    )

    assert [([option.id for option in p.options], p.key, p.sku) for p in plans] == [
        ([12, 22], "12-22", ""),
        ([11, 21], "11-21", ""),
        ([12, 21], "12-21", "MUG-SR"),
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            [{"variant_type": 1, "variant_option": None}],
            "Inventory item 1: each option needs a variant_option_id (or name).",
        ),
        (
            [{"variant_type": None, "variant_option": "S"}],
            "Inventory item 1: give the variant_type_id (or name) of option 'S'.",
        ),
        ([{"variant_type": 9, "variant_option": 11}], "Inventory item 1: this product has no variant type 9."),
        ([{"variant_type": 1, "variant_option": 21}], "Inventory item 1: variant type 'Size' has no option 21."),
        (
            [{"variant_type": 1, "variant_option": 11}, {"variant_type": "SIZE", "variant_option": 12}],
            "Inventory item 1: variant type 'Size' is given more than once.",
        ),
        ([{"variant_type": 1, "variant_option": 11}], "Inventory item 1: choose an option of Colour."),
        ([], "Inventory item 1: choose an option of Size, Colour."),
    ],
)
def test_items_refuse_options_that_are_not_one_of_each_type(options: list[dict[str, Any]], message: str) -> None:
    assert refusal(lambda: plan([{"options": options}])) == {"inventory_items": [message]}


S_RED = [{"variant_option": 11}, {"variant_option": 21}]
M_RED = [{"variant_option": 12}, {"variant_option": 21}]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([{"id": 5, "options": S_RED}], "Inventory item 1: this product has no inventory item with id 5."),
        (
            [{"id": 4, "options": S_RED}, {"id": 4, "options": M_RED}],
            "Inventory item 2: inventory item 4 is listed twice.",
        ),
        ([{"options": S_RED}, {"options": S_RED}], "Inventory item 2: this combination of options is listed twice."),
        (
            [{"sku": "A-1", "options": S_RED}, {"sku": "a-1 ", "options": M_RED}],
            "Inventory item 2: another item already has the SKU 'a-1'.",
        ),
        (
            [{"price_override": Decimal("1.005"), "options": S_RED}],
            "Inventory item 1: USD amounts have at most 2 decimal places.",
        ),
        (
            [{"is_default": True, "options": S_RED}, {"is_default": True, "options": M_RED}],
            "Only one inventory item can be the default.",
        ),
        # The id is checked before the options.
        ([{"id": 5, "options": []}], "Inventory item 1: this product has no inventory item with id 5."),
    ],
)
def test_items_refuse_repeats_unknown_ids_and_bad_prices(payload: list[dict[str, Any]], message: str) -> None:
    assert refusal(lambda: plan(payload, existing_ids={4})) == {"inventory_items": [message]}


def test_items_beyond_the_limit_are_refused(settings: Any) -> None:
    settings.PRODUCT_MAX_INVENTORY_ITEMS = 1

    assert refusal(lambda: plan([{"options": S_RED}, {"options": M_RED}])) == {
        "inventory_items": ["A product can have at most 1 inventory items (PRODUCT_MAX_INVENTORY_ITEMS)."]
    }


def test_an_item_sku_equal_to_the_products_is_inherited() -> None:
    assert [
        own_sku(product_sku=" Mug ", entry=entry) for entry in ({"sku": "mug"}, {"sku": None}, {}, {"sku": "MUG-2 "})
    ] == [
        "",
        "",
        "",
        "MUG-2",
    ]


def test_types_payload_is_checked_against_the_known_types_and_options() -> None:
    known = {1: {11, 12}}
    variant_types_check(
        payload=[
            {"id": 1, "name": "Size", "options": [{"id": 12, "name": "M"}, {"name": "L", "color_hex": "#A0b1C2"}]}
        ],
        known_options=known,
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            [{"name": f"T{n}", "options": []} for n in range(MAX_VARIANT_TYPES + 1)],
            "A product can have at most 3 variant types.",
        ),
        ([{"name": "  ", "options": []}], "Variant type 1: the name may not be blank."),
        (
            [{"name": "Size", "options": []}, {"name": "size ", "options": []}],
            "Variant type 2: another variant type is already called 'size'.",
        ),
        ([{"id": 2, "name": "Size", "options": []}], "Variant type 1: this product has no variant type with id 2."),
        (
            [{"id": 1, "name": "A", "options": []}, {"id": 1, "name": "B", "options": []}],
            "Variant type 2: variant type 1 is listed twice.",
        ),
        ([{"name": "Size", "options": [{"name": ""}]}], "Variant type 1, option 1: the name may not be blank."),
        (
            [{"name": "Size", "options": [{"name": "S"}, {"name": "s"}]}],
            "Variant type 1, option 2: another option is already called 's'.",
        ),
        (
            [{"name": "Size", "options": [{"name": "S", "color_hex": "red"}]}],
            "Variant type 1, option 1: color_hex must look like #1a2b3c.",
        ),
        # An option id of another type, or of a new type, is not this type's.
        (
            [{"id": 1, "name": "Size", "options": [{"id": 21, "name": "S"}]}],
            "Variant type 1, option 1: this variant type has no option 21.",
        ),
        (
            [{"name": "Size", "options": [{"id": 11, "name": "S"}]}],
            "Variant type 1, option 1: this variant type has no option 11.",
        ),
        (
            [{"id": 1, "name": "Size", "options": [{"id": 11, "name": "S"}, {"id": 11, "name": "M"}]}],
            "Variant type 1, option 2: this variant type has no option 11.",
        ),
    ],
)
def test_types_payload_refusals(payload: list[dict[str, Any]], message: str) -> None:
    assert refusal(lambda: variant_types_check(payload=payload, known_options={1: {11, 12}})) == {
        "variant_types": [message]
    }


def test_option_key_sorts_ids_and_reads_back() -> None:
    assert (option_key([12, 3, 7]), option_ids("3-7-12"), option_ids(""), option_key([])) == (
        "3-7-12",
        [3, 7, 12],
        [],
        "",
    )


def test_option_entries_and_label_follow_the_type_order() -> None:
    options = catalogue().options
    entries = option_entries([options[2][0], options[1][1]])

    assert entries == [
        {"variant_type_id": 1, "variant_type_name": "Size", "variant_option_id": 12, "variant_option_name": "M"},
        {"variant_type_id": 2, "variant_type_name": "Colour", "variant_option_id": 21, "variant_option_name": "Red"},
    ]
    assert (option_label(entries), option_label([])) == ("Size: M / Colour: Red", "")


def test_a_combination_without_items_needs_one_live_option_of_each_type_of_its_product() -> None:
    by_id = {option.id: option for options in catalogue().options.values() for option in options}

    def resolve(key: str, product_id: int = 7, type_ids: AbstractSet[int] = frozenset({1, 2})) -> list[int] | None:
        found = combination_options(key=key, product_id=product_id, options=by_id, type_ids=set(type_ids))
        return None if found is None else [option.id for option in found]

    assert resolve("11-22") == [11, 22]
    assert resolve("11") is None  # a type added since
    assert resolve("11-22", type_ids={1}) is None  # a type removed since
    assert resolve("11-23") is None  # an option deleted since
    assert resolve("11-22", product_id=8) is None  # options of another product
    assert resolve("", type_ids=set()) == []  # a simple product
