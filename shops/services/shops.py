"""Shop writes."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from shops.currencies import amount_fits_currency
from shops.models import Product, Shop
from shops.services.uniqueness import save_unique, save_with_generated_slug
from shops.slugs import normalize_given_slug, slug_from

SLUG_MAX = Shop._meta.get_field("slug").max_length
EDITABLE_FIELDS = ("name", "slug", "heading", "description", "currency")


def _slug_taken_check(shop: Shop) -> list[Any]:
    return [
        (
            "slug",
            "This slug is already in use.",
            lambda: Shop.objects.exclude(id=shop.id).filter(slug=shop.slug).exists(),
        )
    ]


@transaction.atomic
def shop_create(
    *, owner: User, name: str, slug: str = "", heading: str = "", description: str = "", currency: str = "USD"
) -> Shop:
    shop = Shop(owner=owner, name=name, heading=heading, description=description, currency=currency)
    if slug:
        shop.slug = normalize_given_slug(slug, max_length=SLUG_MAX)
        shop.full_clean(validate_unique=False, validate_constraints=False)
        save_unique(shop, _slug_taken_check(shop))
        return shop
    shop.slug = "placeholder"
    shop.full_clean(exclude=["slug"], validate_unique=False, validate_constraints=False)
    return save_with_generated_slug(
        shop,
        base=slug_from(name, max_length=SLUG_MAX, fallback="shop"),
        taken_in=Shop.objects.all,
        max_length=SLUG_MAX,
    )


@transaction.atomic
def shop_update(*, shop: Shop, data: dict[str, Any]) -> Shop:
    """Change the fields of EDITABLE_FIELDS found in `data`. An empty slug is made again from the name."""
    changes = {field: value for field, value in data.items() if field in EDITABLE_FIELDS}
    shop = Shop.objects.select_for_update().get(id=shop.id)
    for field, value in changes.items():
        setattr(shop, field, value)
    if "currency" in changes:
        _check_prices_fit_currency(shop)
    regenerate_slug = "slug" in changes and not changes["slug"]
    if changes.get("slug"):
        shop.slug = normalize_given_slug(changes["slug"], max_length=SLUG_MAX)
    shop.full_clean(exclude=["slug"] if regenerate_slug else None, validate_unique=False, validate_constraints=False)
    if regenerate_slug:
        return save_with_generated_slug(
            shop,
            base=slug_from(shop.name, max_length=SLUG_MAX, fallback="shop"),
            taken_in=lambda: Shop.objects.exclude(id=shop.id),
            max_length=SLUG_MAX,
        )
    save_unique(shop, _slug_taken_check(shop))
    return shop


def _check_prices_fit_currency(shop: Shop) -> None:
    for price, compare_at in Product.objects.filter(shop=shop).values_list("price", "compare_at_price").iterator():
        for amount in (price, compare_at):
            if amount is not None and not amount_fits_currency(amount, shop.currency):
                message = f"Some product prices have more decimals than {shop.currency} allows; change them first."
                raise ValidationError({"currency": message})


@transaction.atomic
def shop_delete(*, shop: Shop) -> None:
    """Deletes the shop with its catalogue; its stored images go once the transaction commits."""
    shop.delete()
