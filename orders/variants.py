"""A line's variant as carts and orders show it: the chosen options, their label and their key.

The options must come with their `variant_type` loaded (select_related or prefetched): nothing here queries."""

from collections.abc import Iterable
from typing import Any

from shops.models import ProductVariantOption


def option_key(option_ids: Iterable[int]) -> str:
    """The sorted option ids, "3-7-12": one cart line per combination."""
    return "-".join(str(option_id) for option_id in sorted(option_ids))


def option_ids(key: str) -> list[int]:
    return [int(part) for part in key.split("-") if part.isdigit()]


def option_entries(options: Iterable[ProductVariantOption]) -> list[dict[str, Any]]:
    """`[{variant_type_id, variant_type_name, variant_option_id, variant_option_name}]`, in the order of
    the product's variant types."""
    ordered = sorted(options, key=lambda option: (option.variant_type.position, option.variant_type_id))
    return [
        {
            "variant_type_id": option.variant_type_id,
            "variant_type_name": option.variant_type.name,
            "variant_option_id": option.id,
            "variant_option_name": option.name,
        }
        for option in ordered
    ]


def option_label(entries: Iterable[dict[str, Any]]) -> str:
    """ "Size: M / Colour: Red" ("" without options)."""
    return " / ".join(f"{entry['variant_type_name']}: {entry['variant_option_name']}" for entry in entries)
