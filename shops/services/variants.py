"""A product's variant types, their options and its inventory items, synced from the product payload.

The caller runs these inside the transaction that writes the product (see `shops.services.products`), so a
400 anywhere leaves nothing written. Entries are matched by id (inventory items without an id also by their
combination of options), created when new, and the ones missing from the payload are deleted."""

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.functions import Lower

from shops.currencies import amount_fits_currency, currency_exponent
from shops.models import (
    Product,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    VariantInputType,
)
from shops.storefront_cache import storefront_changed

MAX_VARIANT_TYPES = 3
COLOR_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

ItemThrough = ProductInventoryItem.options.through


@dataclass
class _Catalogue:
    """The product's types and options after the types sync, for resolving an item's options."""

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


def _error(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: message})


def _temporary_name(row_id: int) -> str:
    return f"~{row_id}~{secrets.token_hex(6)}"


def product_variants_sync(
    *, product: Product, variant_types: list[dict[str, Any]] | None, inventory_items: list[dict[str, Any]] | None
) -> None:
    """Replace the product's variant types (when `variant_types` is given) and inventory items (when
        `inventory_items` is given). After a types-only change, items that no longer pick one option of each
        type are deleted. Precondition: inside a transaction that holds the product's row (or created it); the
    caller then runs `refresh_product_stock`."""
    if variant_types is None and inventory_items is None:
        return
    # The sync writes with bulk_create, bulk_update and queryset deletes, which the storefront receivers
    # do not all see.
    storefront_changed(product_id=product.id)
    catalogue = _sync_types(product, variant_types) if variant_types is not None else _load_catalogue(product)
    if inventory_items is not None:
        _sync_items(product, inventory_items, catalogue)
    else:
        _delete_items_not_matching(product, catalogue)


def _load_catalogue(product: Product) -> _Catalogue:
    types = list(ProductVariantType.objects.filter(product=product).prefetch_related("options"))
    return _Catalogue(types=types, options={t.id: list(t.options.all()) for t in types})


# Variant types and options


def _validate_types(payload: list[dict[str, Any]], existing: dict[int, ProductVariantType]) -> None:
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
            if type_id not in existing:
                raise _error("variant_types", f"{label}: this product has no variant type with id {type_id}.")
            if type_id in ids:
                raise _error("variant_types", f"{label}: variant type {type_id} is listed twice.")
            ids.add(type_id)
        _validate_options(label, entry["options"], existing.get(type_id) if type_id is not None else None)


def _validate_options(label: str, options: list[dict[str, Any]], variant_type: ProductVariantType | None) -> None:
    limit = settings.PRODUCT_MAX_OPTIONS_PER_TYPE
    if len(options) > limit:
        raise _error("variant_types", f"{label}: at most {limit} options (PRODUCT_MAX_OPTIONS_PER_TYPE).")
    known = {option.id for option in variant_type.options.all()} if variant_type else set()
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


def _sync_types(product: Product, payload: list[dict[str, Any]]) -> _Catalogue:
    existing = {t.id: t for t in ProductVariantType.objects.filter(product=product).prefetch_related("options")}
    _validate_types(payload, existing)
    kept_ids = {entry["id"] for entry in payload if entry.get("id") is not None}
    ProductVariantType.objects.filter(product=product).exclude(id__in=kept_ids).delete()

    kept: list[ProductVariantType] = []
    created: list[ProductVariantType] = []
    ordered: list[tuple[ProductVariantType, list[dict[str, Any]]]] = []
    for position, entry in enumerate(payload):
        type_id = entry.get("id")
        variant_type = existing[type_id] if type_id is not None else ProductVariantType(product=product)
        variant_type.name = entry["name"].strip()
        variant_type.position = position
        if entry.get("input_type") or type_id is None:
            variant_type.input_type = entry.get("input_type") or VariantInputType.TEXT
        (kept if type_id is not None else created).append(variant_type)
        ordered.append((variant_type, entry["options"]))
    _save_renaming_in_two_steps(ProductVariantType, kept, ["name", "input_type", "position"])
    ProductVariantType.objects.bulk_create(created)

    catalogue = _Catalogue(types=[variant_type for variant_type, _ in ordered])
    kept_options: list[ProductVariantOption] = []
    created_options: list[ProductVariantOption] = []
    for variant_type, options in ordered:
        previous = existing[variant_type.id].options.all() if variant_type.id in existing else []
        current = {option.id: option for option in previous}
        catalogue.options[variant_type.id] = []
        for position, entry in enumerate(options):
            option_id = entry.get("id")
            option = current[option_id] if option_id is not None else ProductVariantOption(variant_type=variant_type)
            # A kept option keeps what the entry leaves out; a value that was just the name follows the name.
            value_was_name = option.value == option.name
            option.name = entry["name"].strip()
            if entry.get("value"):
                option.value = entry["value"]
            elif option_id is None or value_was_name or not option.value:
                option.value = option.name
            if "color_hex" in entry or option_id is None:
                option.color_hex = (entry.get("color_hex") or "").lower()
            option.position = position
            (kept_options if option_id is not None else created_options).append(option)
            catalogue.options[variant_type.id].append(option)
    ProductVariantOption.objects.filter(variant_type__product=product).exclude(
        id__in=[option.id for option in kept_options]
    ).delete()
    _save_renaming_in_two_steps(ProductVariantOption, kept_options, ["name", "value", "color_hex", "position"])
    ProductVariantOption.objects.bulk_create(created_options)
    return catalogue


def _save_renaming_in_two_steps(model: type, rows: list[Any], fields: list[str]) -> None:
    """Save `rows`. Names are unique (case-insensitively) and that constraint cannot be deferred, so rows
    whose name changes first pass through temporary names (two rows may swap names)."""
    stored = dict(model.objects.filter(id__in=[row.id for row in rows]).values_list("id", "name"))
    renamed = [row for row in rows if stored.get(row.id, "").lower() != row.name.lower()]
    if renamed:
        final = {row.id: row.name for row in renamed}
        for row in renamed:
            row.name = _temporary_name(row.id)
        model.objects.bulk_update(renamed, ["name"])
        for row in renamed:
            row.name = final[row.id]
    if rows:
        model.objects.bulk_update(rows, fields)


# Inventory items


@dataclass
class _ItemPlan:
    entry: dict[str, Any]
    options: list[ProductVariantOption]
    key: str


def _resolve_options(label: str, refs: list[dict[str, Any]], catalogue: _Catalogue) -> list[ProductVariantOption]:
    chosen: dict[int, ProductVariantOption] = {}
    for ref in refs:
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
            message = f"{label}: variant type '{variant_type.name}' has no option {option_ref!r}."
            raise _error("inventory_items", message)
        if variant_type.id in chosen:
            raise _error("inventory_items", f"{label}: variant type '{variant_type.name}' is given more than once.")
        chosen[variant_type.id] = option
    missing = [t.name for t in catalogue.types if t.id not in chosen]
    if missing:
        raise _error("inventory_items", f"{label}: choose an option of {', '.join(missing)}.")
    return [chosen[t.id] for t in catalogue.types]


def option_key(options: list[ProductVariantOption]) -> str:
    return "-".join(str(option_id) for option_id in sorted(option.id for option in options))


def _plan_items(
    product: Product, payload: list[dict[str, Any]], catalogue: _Catalogue, existing: set[int]
) -> list[_ItemPlan]:
    limit = settings.PRODUCT_MAX_INVENTORY_ITEMS
    if len(payload) > limit:
        message = f"A product can have at most {limit} inventory items (PRODUCT_MAX_INVENTORY_ITEMS)."
        raise _error("inventory_items", message)
    currency = product.shop.currency
    plans: list[_ItemPlan] = []
    keys: set[str] = set()
    ids: set[int] = set()
    skus: set[str] = set()
    for index, entry in enumerate(payload, 1):
        label = f"Inventory item {index}"
        item_id = entry.get("id")
        if item_id is not None:
            if item_id not in existing:
                raise _error("inventory_items", f"{label}: this product has no inventory item with id {item_id}.")
            if item_id in ids:
                raise _error("inventory_items", f"{label}: inventory item {item_id} is listed twice.")
            ids.add(item_id)
        options = _resolve_options(label, entry.get("options") or [], catalogue)
        key = option_key(options)
        if key in keys:
            raise _error("inventory_items", f"{label}: this combination of options is listed twice.")
        keys.add(key)
        sku = _own_sku(product, entry)
        if sku and sku.lower() in skus:
            raise _error("inventory_items", f"{label}: another item already has the SKU '{sku}'.")
        if sku:
            skus.add(sku.lower())
        price = entry.get("price_override")
        if price is not None and not amount_fits_currency(price, currency):
            places = currency_exponent(currency)
            raise _error("inventory_items", f"{label}: {currency} amounts have at most {places} decimal places.")
        plans.append(_ItemPlan(entry=entry, options=options, key=key))
    if sum(1 for plan in plans if plan.entry.get("is_default")) > 1:
        raise _error("inventory_items", "Only one inventory item can be the default.")
    _check_skus_free_in_shop(product, skus)
    return plans


def _own_sku(product: Product, entry: dict[str, Any]) -> str:
    """The SKU the item keeps for itself: "" when it inherits the product's (given blank, or equal to the
    product's, as the existing inventory page sends it for every new item)."""
    sku = (entry.get("sku") or "").strip()
    return "" if sku.lower() == product.sku.strip().lower() else sku


def _check_skus_free_in_shop(product: Product, skus: set[str]) -> None:
    """An item's own SKU names one thing in the shop: no other product, nor another product's item, has it.
    A lock of the shop's item SKUs (a transaction-level advisory lock, so no row lock order to deadlock on)
    makes two products saved at once check one after the other."""
    if not skus:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"shops.item_sku:{product.shop_id}"])
    taken = (
        ProductInventoryItem.objects.filter(product__shop_id=product.shop_id)
        .exclude(product_id=product.id)
        .annotate(lower_sku=Lower("sku"))
        .filter(lower_sku__in=skus)
        .values_list("sku", flat=True)
        .union(
            Product.objects.filter(shop_id=product.shop_id)
            .exclude(id=product.id)
            .annotate(lower_sku=Lower("sku"))
            .filter(lower_sku__in=skus)
            .values_list("sku", flat=True)
        )
    )
    first = next(iter(sorted(taken)), None)
    if first is not None:
        raise _error("inventory_items", f"Another product of this shop already uses the SKU '{first}'.")


def _sync_items(product: Product, payload: list[dict[str, Any]], catalogue: _Catalogue) -> None:
    existing = {item.id: item for item in ProductInventoryItem.objects.filter(product=product)}
    plans = _plan_items(product, payload, catalogue, set(existing))
    has_default = any(plan.entry.get("is_default") for plan in plans)

    # Entries without an id take over the existing item of the same combination (carts keep pointing at it).
    claimed = {plan.entry["id"] for plan in plans if plan.entry.get("id") is not None}
    by_key = {item.option_key: item for item in existing.values() if item.id not in claimed}
    kept: list[ProductInventoryItem] = []
    created: list[ProductInventoryItem] = []
    rows: list[tuple[ProductInventoryItem, list[ProductVariantOption]]] = []
    for position, plan in enumerate(plans):
        entry = plan.entry
        if entry.get("id") is not None:
            item = existing[entry["id"]]
        else:
            item = by_key.pop(plan.key, None) or ProductInventoryItem(product=product)
        is_new = item.id is None
        item.option_key = plan.key
        item.position = position
        for name, default in (("sku", ""), ("stock_quantity", 0), ("price_override", None), ("is_active", True)):
            if name in entry:
                setattr(item, name, _own_sku(product, entry) if name == "sku" else entry[name])
            elif is_new:
                setattr(item, name, default)
        item.is_default = bool(entry.get("is_default")) or (not has_default and position == 0)
        (created if is_new else kept).append(item)
        rows.append((item, plan.options))

    for item in [*kept, *created]:
        item.full_clean(exclude=["product"], validate_unique=False, validate_constraints=False)
    ProductInventoryItem.objects.filter(product=product).exclude(id__in=[item.id for item in kept]).delete()
    if kept:
        # One combination and one default per product, not deferrable: clear both before the final values.
        final = {item.id: (item.option_key, item.is_default) for item in kept}
        for item in kept:
            item.option_key, item.is_default = f"~{item.id}", False
        ProductInventoryItem.objects.bulk_update(kept, ["option_key", "is_default"])
        for item in kept:
            item.option_key, item.is_default = final[item.id]
        ProductInventoryItem.objects.bulk_update(
            kept, ["option_key", "is_default", "position", "sku", "stock_quantity", "price_override", "is_active"]
        )
    ProductInventoryItem.objects.bulk_create(created)
    ItemThrough.objects.filter(productinventoryitem__product=product).delete()
    ItemThrough.objects.bulk_create(
        [
            ItemThrough(productinventoryitem_id=item.id, productvariantoption_id=option.id)
            for item, options in rows
            for option in options
        ]
    )


def _delete_items_not_matching(product: Product, catalogue: _Catalogue) -> None:
    """Items must pick exactly one option of each current type; after types change, the others go."""
    type_ids = sorted(t.id for t in catalogue.types)
    stale = [
        item.id
        for item in ProductInventoryItem.objects.filter(product=product).prefetch_related("options")
        if sorted(option.variant_type_id for option in item.options.all()) != type_ids
    ]
    if stale:
        ProductInventoryItem.objects.filter(id__in=stale).delete()
