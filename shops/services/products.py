"""Product writes."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from shops.currencies import amount_fits_currency, currency_exponent
from shops.models import Category, Product, Shop
from shops.services.categories import category_get_or_create_by_name
from shops.services.uniqueness import TakenCheck, save_unique, save_with_generated_slug
from shops.slugs import normalize_given_slug, slug_from

SLUG_MAX = Product._meta.get_field("slug").max_length
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


def _validate(product: Product) -> None:
    product.full_clean(validate_unique=False, validate_constraints=False)
    _check_money(product, product.shop.currency)


@transaction.atomic
def product_create(*, shop: Shop, data: dict[str, Any]) -> Product:
    """`data` holds EDITABLE_FIELDS plus optional `category_id` or `category_name`. Slug and missing fields
    get defaults; a slug made from the name gets a -2, -3... suffix when taken."""
    product = Product(shop=shop)
    _apply(product, data)
    if data.get("slug"):
        product.slug = normalize_given_slug(data["slug"], max_length=SLUG_MAX)
        _validate(product)
        save_unique(product, _taken_checks(product))
        return product
    product.slug = "placeholder"
    _validate(product)
    return save_with_generated_slug(
        product,
        base=slug_from(product.name, max_length=SLUG_MAX, fallback="product"),
        taken_in=lambda: Product.objects.filter(shop=shop),
        max_length=SLUG_MAX,
        checks=_taken_checks(product)[1:],
    )


@transaction.atomic
def product_update(*, product: Product, data: dict[str, Any]) -> Product:
    """Changes only the fields present in `data`; an empty slug is made again from the name."""
    product = Product.objects.select_for_update().select_related("shop").get(id=product.id)
    _apply(product, data)
    if "slug" in data and not data["slug"]:
        _validate(product)
        return save_with_generated_slug(
            product,
            base=slug_from(product.name, max_length=SLUG_MAX, fallback="product"),
            taken_in=lambda: Product.objects.filter(shop_id=product.shop_id).exclude(id=product.id),
            max_length=SLUG_MAX,
            checks=_taken_checks(product)[1:],
        )
    if data.get("slug"):
        product.slug = normalize_given_slug(data["slug"], max_length=SLUG_MAX)
    _validate(product)
    save_unique(product, _taken_checks(product))
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Deletes the product and its images; their stored objects go once the transaction commits."""
    product.delete()
