"""Shop writes."""

from typing import IO, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.plans import check_can_add_shop
from api.uniqueness import save_unique
from images.uploads import image_field_replace, store_uploaded_image
from shops.currencies import amount_fits_currency
from shops.models import Category, Product, ProductInventoryItem, Shop
from shops.services.uniqueness import save_new_with_slug, save_with_generated_slug
from shops.slugs import normalize_given_slug, slug_from, slug_max_length
from shops.storefront_cache import storefront_changed

SLUG_MAX = slug_max_length(Shop)
FEATURED_FIELDS = ("featured_category_1", "featured_category_2", "featured_category_3")
MAIL_BRANDING_FIELDS = ("mail_sender_name", "mail_footer", "mail_show_logo")
CONTACT_FIELDS = ("contact_email", "contact_phone", "contact_website", "contact_address")
EDITABLE_FIELDS = (
    "name",
    "slug",
    "heading",
    "description",
    "currency",
    *CONTACT_FIELDS,
    "show_stock_quantity",
    *FEATURED_FIELDS,
    *MAIL_BRANDING_FIELDS,
)
IMAGE_FOLDER = "shop_images"
ShopImageKind = Literal["profile_image", "cover_image"]


def _slug_taken_check(shop: Shop) -> list[Any]:
    return [
        (
            "slug",
            "This slug is already in use.",
            lambda: Shop.objects.exclude(id=shop.id).filter(slug=shop.slug).exists(),
        )
    ]


def _apply(shop: Shop, changes: dict[str, Any]) -> None:
    """Set the plain fields of `changes`; featured categories (ids or None) must be this shop's own."""
    for field, value in changes.items():
        if field in FEATURED_FIELDS:
            continue
        setattr(shop, field, value)
    featured = {field: changes[field] for field in FEATURED_FIELDS if field in changes}
    wanted = {category_id for category_id in featured.values() if category_id is not None}
    own = set()
    if shop.id and wanted:
        own = set(Category.objects.filter(shop_id=shop.id, id__in=wanted).values_list("id", flat=True))
    errors = {
        field: "This shop has no category with this id."
        for field, category_id in featured.items()
        if category_id is not None and category_id not in own
    }
    if errors:
        raise ValidationError(errors)
    for field, category_id in featured.items():
        setattr(shop, f"{field}_id", category_id)


@transaction.atomic
def shop_create(*, owner: User, name: str, **fields: Any) -> Shop:
    """`fields` are optional EDITABLE_FIELDS. Refused when the owner's plan allows no more shops: the owner's
    row is locked before counting, so concurrent creates cannot both take the last slot."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"shop_create() got unexpected fields {sorted(unknown)}")
    owner = User.objects.select_for_update().get(id=owner.id)
    check_can_add_shop(user=owner, current=Shop.objects.filter(owner=owner).count())
    slug = fields.pop("slug", "")
    shop = Shop(owner=owner, name=name)
    _apply(shop, fields)
    return save_new_with_slug(
        shop,
        given=slug,
        base=slug_from(name, max_length=SLUG_MAX, fallback="shop"),
        taken_in=Shop.objects.all,
        max_length=SLUG_MAX,
        checks=_slug_taken_check(shop),
    )


@transaction.atomic
def shop_update(*, shop: Shop, data: dict[str, Any]) -> Shop:
    """Change the fields of EDITABLE_FIELDS found in `data`. An empty slug is made again from the name."""
    changes = {field: value for field, value in data.items() if field in EDITABLE_FIELDS}
    shop = Shop.objects.select_for_update().get(id=shop.id)
    # The receiver bumps the slug the shop is saved with; pages cached under the slug it leaves go too.
    storefront_changed(slug=shop.slug)
    _apply(shop, {field: value for field, value in changes.items() if field != "slug"})
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
    message = f"Some product prices have more decimals than {shop.currency} allows; change them first."
    amounts = Product.objects.filter(shop=shop).values_list("price", "compare_at_price")
    overrides = ProductInventoryItem.objects.filter(product__shop=shop, price_override__isnull=False)
    for row in [*amounts.iterator(), *overrides.values_list("price_override").iterator()]:
        for amount in row:
            if amount is not None and not amount_fits_currency(amount, shop.currency):
                raise ValidationError({"currency": message})


def shop_image_set(*, shop: Shop, kind: ShopImageKind, file: IO[bytes], field: str = "file") -> Shop:
    """Validate and store the shop's profile or cover image under `{root}/shop_images/`; the previous image
    is deleted once the row is saved. Either both are written or neither (a storage failure is a 503 with
    nothing saved). Call it outside a transaction."""
    stored = store_uploaded_image(file=file, folder=IMAGE_FOLDER, field=field, with_renditions=False)
    return image_field_replace(
        rows=Shop.objects.all(), pk=shop.id, field=kind, stored=stored, also_update=("updated_at",)
    )


@transaction.atomic
def shop_delete(*, shop: Shop) -> None:
    """Deletes the shop with its catalogue; its stored images go once the transaction commits."""
    shop.delete()
