"""A variant as the catalogue, carts and orders name it: the option key of a combination, the option entries
and their label, and the spellings a client may use for a chosen type and option.

The options must come with their `variant_type` loaded (select_related or prefetched): nothing here queries."""

from collections.abc import Iterable
from typing import Any

from shops.models import ProductVariantOption

# A chosen option is `{variant_type_id, variant_option_id}`; the existing frontend also sends
# `{type_id, option_id}` and, in product payloads, `{variant_type, variant_option}`. First spelling wins.
TYPE_KEYS = ("variant_type_id", "type_id", "variant_type")
OPTION_KEYS = ("variant_option_id", "option_id", "variant_option")


def option_key(option_ids: Iterable[int]) -> str:
    """The sorted option ids, "3-7-12": one inventory item, or one cart line, per combination."""
    return "-".join(str(option_id) for option_id in sorted(option_ids))


def option_ids(key: str) -> list[int]:
    """The option ids of an option key ("" has none)."""
    return [int(part) for part in key.split("-") if part.isdigit()]


def options_ordered(options: Iterable[ProductVariantOption]) -> list[ProductVariantOption]:
    """The options in the order of the product's variant types."""
    return sorted(options, key=lambda option: (option.variant_type.position, option.variant_type_id))


def option_entries(options: Iterable[ProductVariantOption]) -> list[dict[str, Any]]:
    """`[{variant_type_id, variant_type_name, variant_option_id, variant_option_name}]`, in the order of
    the product's variant types."""
    return [
        {
            "variant_type_id": option.variant_type_id,
            "variant_type_name": option.variant_type.name,
            "variant_option_id": option.id,
            "variant_option_name": option.name,
        }
        for option in options_ordered(options)
    ]


def option_label(entries: Iterable[dict[str, Any]]) -> str:
    """ "Size: M / Colour: Red" ("" without options)."""
    return " / ".join(f"{entry['variant_type_name']}: {entry['variant_option_name']}" for entry in entries)


def combination_options(
    *, key: str, product_id: int, options: dict[int, ProductVariantOption], type_ids: set[int]
) -> list[ProductVariantOption] | None:
    """The options of a combination chosen without an inventory item: one of each of the product's variant
    types (`type_ids`), from `options` (by id, the ones still there). None when the product's variants have
    changed since the combination was chosen."""
    chosen = [options.get(option_id) for option_id in option_ids(key)]
    found = [option for option in chosen if option is not None and option.variant_type.product_id == product_id]
    if len(found) != len(chosen) or {option.variant_type_id for option in found} != type_ids:
        return None
    return found
