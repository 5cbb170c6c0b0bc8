"""Product writes."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.plans import check_can_add_product
from api.uniqueness import TakenCheck, save_unique
from events.bus import EventType, emit
from shops.currencies import amount_fits_currency, currency_exponent
from shops.models import Category, Product, ProductInventoryItem, Shop
from shops.services.categories import category_get_or_create_by_name
from shops.services.uniqueness import save_with_generated_slug
from shops.services.variants import product_variants_sync
from shops.slugs import normalize_given_slug, slug_from, slug_max_length
from shops.stock import refresh_product_stock

SLUG_MAX = slug_max_length(Product)
EDITABLE_FIELDS = (
    "name",
    "slug",
    "sku",
    "short_description",
    "long_description",
    "status",
    "price",
    "compare_at_price",
    "stock_quantity",
    "stock_status",
    "available_from",
    "available_to",
)


def _taken_checks(product: Product) -> list[TakenCheck]:
    others = Product.objects.filter(shop_id=product.shop_id).exclude(id=product.id)
    return [
        (
            "slug",
            "This shop already has a product with this slug.",
            lambda: others.filter(slug=product.slug).exists(),
        ),
        (
            "sku",
            "This shop already has a product with this SKU.",
            lambda: bool(product.sku) and others.filter(sku=product.sku).exists(),
        ),
        (
            "sku",
            "An inventory item of another product of this shop has this SKU.",
            lambda: (
                bool(product.sku)
                and ProductInventoryItem.objects.filter(product__shop_id=product.shop_id, sku__iexact=product.sku)
                .exclude(product_id=product.id)
                .exists()
            ),
        ),
    ]


def _check_money(product: Product, currency: str) -> None:
    errors = {}
    for field in ("price", "compare_at_price"):
        amount: Decimal | None = getattr(product, field)
        if amount is not None and not amount_fits_currency(amount, currency):
            places = currency_exponent(currency)
            errors[field] = f"{currency} amounts have at most {places} decimal places."
    if product.compare_at_price is not None and product.price is not None and product.compare_at_price <= product.price:
        errors["compare_at_price"] = "The compare-at price must be higher than the price."
    if errors:
        raise ValidationError(errors)


def _resolve_category(shop: Shop, data: dict[str, Any]) -> tuple[bool, Category | None]:
    """(given?, category) from `category_id` (an id of this shop's, or None) or `category_name` (created if new)."""
    if "category_id" in data:
        category_id = data["category_id"]
        if category_id is None:
            return True, None
        category = Category.objects.filter(shop=shop, id=category_id).first()
        if category is None:
            raise ValidationError({"category_id": "This shop has no category with this id."})
        return True, category
    if "category_name" in data:
        name = (data["category_name"] or "").strip()
        return True, (category_get_or_create_by_name(shop=shop, name=name) if name else None)
    return False, None


def _apply(product: Product, data: dict[str, Any]) -> None:
    for field in EDITABLE_FIELDS:
        if field in data and field != "slug":
            setattr(product, field, data[field])
    given, category = _resolve_category(product.shop, data)
    if given:
        product.category = category


def _validate(product: Product, data: dict[str, Any]) -> None:
    currency = data.get("currency")
    if currency is not None and currency != product.shop.currency:
        raise ValidationError({"currency": f"Products are priced in the shop's currency, {product.shop.currency}."})
    if product.available_from and product.available_to and product.available_to < product.available_from:
        raise ValidationError({"available_to": "available_to must not be before available_from."})
    product.full_clean(validate_unique=False, validate_constraints=False)
    _check_money(product, product.shop.currency)


def _save(product: Product, data: dict[str, Any], *, regenerate_slug: bool) -> Product:
    if regenerate_slug:
        save_with_generated_slug(
            product,
            base=slug_from(product.name, max_length=SLUG_MAX, fallback="product"),
            taken_in=lambda: Product.objects.filter(shop_id=product.shop_id).exclude(id=product.id),
            max_length=SLUG_MAX,
            checks=_taken_checks(product)[1:],  # not the slug: it is generated
        )
    else:
        save_unique(product, _taken_checks(product))
    product_variants_sync(
        product=product, variant_types=data.get("variant_types"), inventory_items=data.get("inventory_items")
    )
    refresh_product_stock(product)
    return product


@transaction.atomic
def product_create(*, shop: Shop, data: dict[str, Any]) -> Product:
    """`data` holds EDITABLE_FIELDS, optional `category_id` or `category_name`, `currency` (must be the
    shop's), `variant_types` and `inventory_items` (see `shops.services.variants`). Slug and missing fields
    get defaults; a slug made from the name gets a -2, -3... suffix when taken. Refused when the owner's plan
    allows no more products in the shop: the shop's row is locked before counting, so concurrent creates
    cannot both take the last slot. Any error leaves nothing written."""
    shop = Shop.objects.select_for_update().select_related("owner").get(id=shop.id)
    check_can_add_product(user=shop.owner, current=Product.objects.filter(shop=shop).count())
    product = Product(shop=shop)
    _apply(product, data)
    product.slug = normalize_given_slug(data["slug"], max_length=SLUG_MAX) if data.get("slug") else "placeholder"
    _validate(product, data)
    product = _save(product, data, regenerate_slug=not data.get("slug"))
    emit(shop_id=shop.id, type=EventType.PRODUCT_CREATED, object_id=product.id)
    return product


@transaction.atomic
def product_update(*, product: Product, data: dict[str, Any]) -> Product:
    """Changes only the fields present in `data` (`variant_types` and `inventory_items` replace the full
    sets when present); an empty slug is made again from the name. Any error leaves nothing written."""
    product = Product.objects.select_for_update().select_related("shop").get(id=product.id)
    _apply(product, data)
    if data.get("slug"):
        product.slug = normalize_given_slug(data["slug"], max_length=SLUG_MAX)
    _validate(product, data)
    product = _save(product, data, regenerate_slug="slug" in data and not data["slug"])
    emit(shop_id=product.shop_id, type=EventType.PRODUCT_UPDATED, object_id=product.id)
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Deletes the product and its images; their stored objects go once the transaction commits."""
    emit(shop_id=product.shop_id, type=EventType.PRODUCT_DELETED, object_id=product.id)
    product.delete()
