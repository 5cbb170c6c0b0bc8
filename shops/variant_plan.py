"""A product's variant payload checked against its catalogue without the database: the variant types and
their options as given, and each inventory item resolved to one option of each type. Either the plan, or a
ValidationError naming the entry; `shops.services.variants` reads the catalogue, asks for the plan and
writes it."""

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from shops.currencies import amount_fits_currency, currency_exponent
from shops.models import ProductVariantOption, ProductVariantType
from shops.variants import option_key

MAX_VARIANT_TYPES = 3
COLOR_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _error(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: message})


# Variant types and options


def variant_types_check(*, payload: list[dict[str, Any]], known_options: dict[int, set[int]]) -> None:
    """Refuse a variant types payload that the product cannot take. `known_options`: the product's
    current variant type ids, each with its option ids."""
    if len(payload) > MAX_VARIANT_TYPES:
        raise _error("variant_types", f"A product can have at most {MAX_VARIANT_TYPES} variant types.")
    names: set[str] = set()
    ids: set[int] = set()
    for index, entry in enumerate(payload, 1):
        label = f"Variant type {index}"
        name = entry["name"].strip()
        if not name:
            raise _error("variant_types", f"{label}: the name may not be blank.")
        if name.lower() in names:
            raise _error("variant_types", f"{label}: another variant type is already called '{name}'.")
        names.add(name.lower())
        type_id = entry.get("id")
        if type_id is not None:
            if type_id not in known_options:
                raise _error("variant_types", f"{label}: this product has no variant type with id {type_id}.")
            if type_id in ids:
                raise _error("variant_types", f"{label}: variant type {type_id} is listed twice.")
            ids.add(type_id)
        _options_check(label, entry["options"], known_options.get(type_id, set()) if type_id is not None else set())


def _options_check(label: str, options: list[dict[str, Any]], known: set[int]) -> None:
    limit = settings.PRODUCT_MAX_OPTIONS_PER_TYPE
    if len(options) > limit:
        raise _error("variant_types", f"{label}: at most {limit} options (PRODUCT_MAX_OPTIONS_PER_TYPE).")
    names: set[str] = set()
    ids: set[int] = set()
    for index, option in enumerate(options, 1):
        name = option["name"].strip()
        if not name:
            raise _error("variant_types", f"{label}, option {index}: the name may not be blank.")
        if name.lower() in names:
            raise _error("variant_types", f"{label}, option {index}: another option is already called '{name}'.")
        names.add(name.lower())
        color_hex = option.get("color_hex") or ""
        if color_hex and not COLOR_HEX.match(color_hex):
            raise _error("variant_types", f"{label}, option {index}: color_hex must look like #1a2b3c.")
        option_id = option.get("id")
        if option_id is not None:
            if option_id not in known or option_id in ids:
                raise _error("variant_types", f"{label}, option {index}: this variant type has no option {option_id}.")
            ids.add(option_id)


# Inventory items


@dataclass
class VariantCatalogue:
    """The product's types (in order) and their options, as they stand once the types are written: what an
    inventory item's options are resolved against. Every type and option has its id."""

    types: list[ProductVariantType]
    options: dict[int, list[ProductVariantOption]] = field(default_factory=dict)  # type id -> its options

    def type_named(self, ref: Any) -> ProductVariantType | None:
        if isinstance(ref, int):
            return next((t for t in self.types if t.id == ref), None)
        return next((t for t in self.types if t.name.lower() == str(ref).strip().lower()), None)

    def option_of(self, variant_type: ProductVariantType, ref: Any) -> ProductVariantOption | None:
        candidates = self.options.get(variant_type.id, [])
        if isinstance(ref, int):
            return next((o for o in candidates if o.id == ref), None)
        return next((o for o in candidates if o.name.lower() == str(ref).strip().lower()), None)

    def type_of_option(self, option_id: int) -> ProductVariantType | None:
        return next((t for t in self.types if any(o.id == option_id for o in self.options.get(t.id, []))), None)


@dataclass
class ItemPlan:
    """One inventory item entry, checked: its options (one per type, in type order), their key and the SKU
    it keeps for itself ("" when it inherits the product's)."""

    entry: dict[str, Any]
    options: list[ProductVariantOption]
    key: str
    sku: str


def own_sku(*, product_sku: str, entry: dict[str, Any]) -> str:
    """The SKU the item keeps for itself: "" when it inherits the product's (given blank, or equal to the
    product's, as the existing inventory page sends it for every new item)."""
    sku = (entry.get("sku") or "").strip()
    return "" if sku.lower() == product_sku.strip().lower() else sku


def inventory_items_plan(
    *,
    payload: list[dict[str, Any]],
    catalogue: VariantCatalogue,
    existing_ids: set[int],
    product_sku: str,
    currency: str,
) -> list[ItemPlan]:
    """The inventory items payload resolved against the catalogue, or the ValidationError of its first bad
    entry. `existing_ids`: the product's current item ids. Whether the SKUs are free in the shop is the
    writer's to check (it needs the database)."""
    limit = settings.PRODUCT_MAX_INVENTORY_ITEMS
    if len(payload) > limit:
        message = f"A product can have at most {limit} inventory items (PRODUCT_MAX_INVENTORY_ITEMS)."
        raise _error("inventory_items", message)
    plans: list[ItemPlan] = []
    seen = _Seen()
    for index, entry in enumerate(payload, 1):
        label = f"Inventory item {index}"
        seen.item_id_check(label, entry.get("id"), existing_ids=existing_ids)
        options = _options_resolve(label, entry.get("options") or [], catalogue)
        plan = ItemPlan(
            entry=entry,
            options=options,
            key=option_key(option.id for option in options),
            sku=own_sku(product_sku=product_sku, entry=entry),
        )
        seen.plan_check(label, plan)
        _price_check(label, entry.get("price_override"), currency=currency)
        plans.append(plan)
    if sum(1 for plan in plans if plan.entry.get("is_default")) > 1:
        raise _error("inventory_items", "Only one inventory item can be the default.")
    return plans


@dataclass
class _Seen:
    """The item ids, combinations and own SKUs (lower-cased) of the entries checked so far."""

    ids: set[int] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    skus: set[str] = field(default_factory=set)

    def item_id_check(self, label: str, item_id: int | None, *, existing_ids: set[int]) -> None:
        if item_id is None:
            return
        if item_id not in existing_ids:
            raise _error("inventory_items", f"{label}: this product has no inventory item with id {item_id}.")
        if item_id in self.ids:
            raise _error("inventory_items", f"{label}: inventory item {item_id} is listed twice.")
        self.ids.add(item_id)

    def plan_check(self, label: str, plan: ItemPlan) -> None:
        if plan.key in self.keys:
            raise _error("inventory_items", f"{label}: this combination of options is listed twice.")
        self.keys.add(plan.key)
        if plan.sku and plan.sku.lower() in self.skus:
            raise _error("inventory_items", f"{label}: another item already has the SKU '{plan.sku}'.")
        if plan.sku:
            self.skus.add(plan.sku.lower())


def _price_check(label: str, price: Any, *, currency: str) -> None:
    if price is not None and not amount_fits_currency(price, currency):
        places = currency_exponent(currency)
        raise _error("inventory_items", f"{label}: {currency} amounts have at most {places} decimal places.")


def _options_resolve(label: str, refs: list[dict[str, Any]], catalogue: VariantCatalogue) -> list[ProductVariantOption]:
    chosen: dict[int, ProductVariantOption] = {}
    for ref in refs:
        variant_type, option = _option_resolve(label, ref, catalogue)
        if variant_type.id in chosen:
            raise _error("inventory_items", f"{label}: variant type '{variant_type.name}' is given more than once.")
        chosen[variant_type.id] = option
    missing = [t.name for t in catalogue.types if t.id not in chosen]
    if missing:
        raise _error("inventory_items", f"{label}: choose an option of {', '.join(missing)}.")
    return [chosen[t.id] for t in catalogue.types]


def _option_resolve(
    label: str, ref: dict[str, Any], catalogue: VariantCatalogue
) -> tuple[ProductVariantType, ProductVariantOption]:
    type_ref, option_ref = ref.get("variant_type"), ref.get("variant_option")
    if option_ref is None:
        raise _error("inventory_items", f"{label}: each option needs a variant_option_id (or name).")
    if type_ref is None and isinstance(option_ref, int):
        variant_type = catalogue.type_of_option(option_ref)
    elif type_ref is None:
        raise _error("inventory_items", f"{label}: give the variant_type_id (or name) of option '{option_ref}'.")
    else:
        variant_type = catalogue.type_named(type_ref)
    if variant_type is None:
        raise _error("inventory_items", f"{label}: this product has no variant type {type_ref!r}.")
    option = catalogue.option_of(variant_type, option_ref)
    if option is None:
        raise _error("inventory_items", f"{label}: variant type '{variant_type.name}' has no option {option_ref!r}.")
    return variant_type, option
