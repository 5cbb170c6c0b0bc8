"""A product's variant types, their options and its inventory items, synced from the product payload.

The payload is checked and resolved by `shops.variant_plan` (no database); this module reads the
catalogue, asks for the plan and writes it. The caller runs these inside the transaction that writes the
product (see `shops.services.products`), so a 400 anywhere leaves nothing written. Entries are matched by
id (inventory items without an id also by their combination of options), created when new, and the ones
missing from the payload are deleted."""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.functions import Lower

from shops.models import (
    Product,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    VariantInputType,
)
from shops.storefront_cache import storefront_changed
from shops.variant_plan import ItemPlan, VariantCatalogue, inventory_items_plan, variant_types_check

ItemThrough = ProductInventoryItem.options.through


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


def _load_catalogue(product: Product) -> VariantCatalogue:
    types = list(ProductVariantType.objects.filter(product=product).prefetch_related("options"))
    return VariantCatalogue(types=types, options={t.id: list(t.options.all()) for t in types})


# Variant types and options


def _sync_types(product: Product, payload: list[dict[str, Any]]) -> VariantCatalogue:
    existing = {t.id: t for t in ProductVariantType.objects.filter(product=product).prefetch_related("options")}
    known_options = {type_id: {option.id for option in t.options.all()} for type_id, t in existing.items()}
    variant_types_check(payload=payload, known_options=known_options)
    kept_ids = {entry["id"] for entry in payload if entry.get("id") is not None}
    ProductVariantType.objects.filter(product=product).exclude(id__in=kept_ids).delete()
    ordered = _types_write(product, payload, existing)
    return _options_write(product, ordered, existing)


def _types_write(
    product: Product, payload: list[dict[str, Any]], existing: dict[int, ProductVariantType]
) -> list[tuple[ProductVariantType, list[dict[str, Any]]]]:
    """Save the payload's types in its order; each type with its options' payload."""
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
    return ordered


def _options_write(
    product: Product,
    ordered: list[tuple[ProductVariantType, list[dict[str, Any]]]],
    existing: dict[int, ProductVariantType],
) -> VariantCatalogue:
    """Save each type's options in the payload's order, delete the others; the catalogue they make."""
    catalogue = VariantCatalogue(types=[variant_type for variant_type, _ in ordered])
    kept_options: list[ProductVariantOption] = []
    created_options: list[ProductVariantOption] = []
    for variant_type, options in ordered:
        previous = existing[variant_type.id].options.all() if variant_type.id in existing else []
        current = {option.id: option for option in previous}
        catalogue.options[variant_type.id] = []
        for position, entry in enumerate(options):
            option_id = entry.get("id")
            option = current[option_id] if option_id is not None else ProductVariantOption(variant_type=variant_type)
            _option_apply(option, entry, position=position)
            (kept_options if option_id is not None else created_options).append(option)
            catalogue.options[variant_type.id].append(option)
    ProductVariantOption.objects.filter(variant_type__product=product).exclude(
        id__in=[option.id for option in kept_options]
    ).delete()
    _save_renaming_in_two_steps(ProductVariantOption, kept_options, ["name", "value", "color_hex", "position"])
    ProductVariantOption.objects.bulk_create(created_options)
    return catalogue


def _option_apply(option: ProductVariantOption, entry: dict[str, Any], *, position: int) -> None:
    """Set an option's fields from its payload entry. A kept option keeps what the entry leaves out; a value
    that was just the name follows the name."""
    is_new = entry.get("id") is None
    value_was_name = option.value == option.name
    option.name = entry["name"].strip()
    if entry.get("value"):
        option.value = entry["value"]
    elif is_new or value_was_name or not option.value:
        option.value = option.name
    if "color_hex" in entry or is_new:
        option.color_hex = (entry.get("color_hex") or "").lower()
    option.position = position


def _save_renaming_in_two_steps(
    model: type[ProductVariantType | ProductVariantOption], rows: list[Any], fields: list[str]
) -> None:
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
        raise ValidationError({"inventory_items": f"Another product of this shop already uses the SKU '{first}'."})


def _sync_items(product: Product, payload: list[dict[str, Any]], catalogue: VariantCatalogue) -> None:
    existing = {item.id: item for item in ProductInventoryItem.objects.filter(product=product)}
    plans = inventory_items_plan(
        payload=payload,
        catalogue=catalogue,
        existing_ids=set(existing),
        product_sku=product.sku,
        currency=product.shop.currency,
    )
    _check_skus_free_in_shop(product, {plan.sku.lower() for plan in plans if plan.sku})
    has_default = any(plan.entry.get("is_default") for plan in plans)

    # Entries without an id take over the existing item of the same combination (carts keep pointing at it).
    claimed = {plan.entry["id"] for plan in plans if plan.entry.get("id") is not None}
    by_key = {item.option_key: item for item in existing.values() if item.id not in claimed}
    kept: list[ProductInventoryItem] = []
    created: list[ProductInventoryItem] = []
    rows: list[tuple[ProductInventoryItem, list[ProductVariantOption]]] = []
    for position, plan in enumerate(plans):
        if plan.entry.get("id") is not None:
            item = existing[plan.entry["id"]]
        else:
            reused = by_key.pop(plan.key, None)
            item = reused or ProductInventoryItem(product=product)
        is_new = item.id is None
        _item_apply(
            item,
            plan,
            position=position,
            is_default=bool(plan.entry.get("is_default")) or (not has_default and position == 0),
        )
        (created if is_new else kept).append(item)
        rows.append((item, plan.options))

    for item in [*kept, *created]:
        item.full_clean(exclude=["product"], validate_unique=False, validate_constraints=False)
    _items_write(product, kept=kept, created=created, rows=rows)


def _item_apply(item: ProductInventoryItem, plan: ItemPlan, *, position: int, is_default: bool) -> None:
    """Set an item's fields from its plan: a kept item keeps what the entry leaves out, a new one takes the
    defaults."""
    is_new = item.id is None
    item.option_key = plan.key
    item.position = position
    for name, default in (("sku", ""), ("stock_quantity", 0), ("price_override", None), ("is_active", True)):
        if name in plan.entry:
            setattr(item, name, plan.sku if name == "sku" else plan.entry[name])
        elif is_new:
            setattr(item, name, default)
    item.is_default = is_default


def _items_write(
    product: Product,
    *,
    kept: list[ProductInventoryItem],
    created: list[ProductInventoryItem],
    rows: list[tuple[ProductInventoryItem, list[ProductVariantOption]]],
) -> None:
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


def _delete_items_not_matching(product: Product, catalogue: VariantCatalogue) -> None:
    """Items must pick exactly one option of each current type; after types change, the others go."""
    type_ids = sorted(t.id for t in catalogue.types)
    stale = [
        item.id
        for item in ProductInventoryItem.objects.filter(product=product).prefetch_related("options")
        if sorted(option.variant_type_id for option in item.options.all()) != type_ids
    ]
    if stale:
        ProductInventoryItem.objects.filter(id__in=stale).delete()
