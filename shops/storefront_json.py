"""The storefront's hot JSON shapes built by plain functions: grid cards (product list, shop page), their
primary image, public categories, the shop page and the product page.

They give exactly what the public serializers give (those stay the OpenAPI schema; test_storefront_json.py
compares both on varied products), without DRF's per-field machinery: a page of 24 cards costs ~0.5 ms here
instead of ~2.6 ms through the serializers."""

from collections.abc import Callable, Iterable
from datetime import date, tzinfo
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils import timezone

from shops.currencies import quantize_for_currency
from shops.models import FIRST_IMAGE_POSITION, Category, Product, ProductInventoryItem, Shop
from shops.pricing import unit_price
from shops.serializers.fields import datetime_text
from shops.serializers.images import grid_image_name
from shops.serializers.products import grid_text
from shops.stock import available_quantity, effective_stock_status, storefront_stock_quantity

UrlFor = Callable[[str], str]


def url_maker(request: HttpRequest | None) -> UrlFor:
    """Stored object name -> its public url, absolute as the serializers make it (local storage gives a path)."""

    storage_url = default_storage.url  # the storage itself, once (not through its lazy proxy every time)

    def url_for(name: str) -> str:
        url = storage_url(name)
        return request.build_absolute_uri(url) if url.startswith("/") and request is not None else url

    return url_for


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _money(amount: Any, currency: str) -> str | None:
    return None if amount is None else str(quantize_for_currency(amount, currency))


def image_json(image: dict[str, Any], url_for: UrlFor) -> dict[str, Any]:
    """A public product image (PublicProductImageSerializer) from its row's values (a dict: the selectors
    fetch the primary image as a JSON object in the product's own query)."""
    renditions = {
        width: url_for(name) for width, name in sorted(image["renditions"].items(), key=lambda item: int(item[0]))
    }
    return {
        "id": image["id"],
        "url": url_for(image["image"]),
        "alt_text": image["alt_text"],
        "position": image["position"],
        "sort_order": image["position"],
        "is_primary": image["position"] == FIRST_IMAGE_POSITION,
        "width": image["width"],
        "height": image["height"],
        "renditions": renditions,
        "srcset": ", ".join(f"{url} {width}w" for width, url in renditions.items()),
        "dominant_color": image["dominant_color"],
        "placeholder": image["placeholder"],
    }


def grid_image_json(image: dict[str, Any], url_for: UrlFor) -> dict[str, Any]:
    """A grid card's primary image (PublicGridImageSerializer): what the existing frontend reads (id, url,
    alt text, sort order), one grid-width thumbnail and the size that lays out its box before it loads. The
    other renditions, their srcset and the placeholder are the product page's: they would be two thirds of a
    card."""
    return {
        "id": image["id"],
        "url": url_for(image["image"]),
        "thumbnail_url": url_for(grid_image_name(original=image["image"], renditions=image["renditions"])),
        "alt_text": image["alt_text"],
        "sort_order": image["position"],
        "width": image["width"],
        "height": image["height"],
    }


def _product_fields(product: Product, *, description: str, whole: bool) -> dict[str, Any]:
    """The fields a grid card and a product page share, in the serializers' order (`description` is the long
    description as that view shows it: cut in a grid, whole on the product page). Only the product page
    (`whole`) has what a card would say twice: `category_id` (beside `category_slug`), `price` and
    `compare_at_price` (the same prices as `discounted_price`/`base_price`, by our names) and `in_stock`
    (false exactly when `stock_status` is out_of_stock)."""
    currency = product.shop.currency
    category = product.category
    compare_at = product.compare_at_price
    fields: dict[str, Any] = {"id": product.id, "name": product.name, "slug": product.slug}
    fields["category"] = category.name if category is not None else None
    if whole:
        fields["category_id"] = product.category_id
    fields["category_slug"] = category.slug if category is not None else None
    fields["short_description"] = product.short_description
    fields["long_description"] = fields["description"] = description
    if whole:
        fields["price"] = _money(product.price, currency)
        fields["compare_at_price"] = _money(compare_at, currency)
    fields["base_price"] = _money(compare_at or product.price, currency)
    fields["discounted_price"] = _money(product.price, currency) if compare_at is not None else None
    fields["currency"] = currency
    fields["stock_status"] = effective_stock_status(product)
    if whole:
        fields["in_stock"] = available_quantity(product, None) != 0
    fields["stock_quantity"] = storefront_stock_quantity(product, None)
    fields["available_from"] = _date(product.available_from)
    fields["available_to"] = _date(product.available_to)
    return fields


def grid_card(
    product: Product, url_for: UrlFor, *, with_images: bool = False, zone: tzinfo | None = None
) -> dict[str, Any]:
    """A product in the storefront grid (PublicProductListItemSerializer; with `images`, the shop page's
    PublicShopProductSerializer). `product` carries `shop`, `category`, `has_variants` and `primary_image`
    (a dict or None), as `selectors.product_page_public` and `product_list_public_for_shop_page` give it."""
    # An attribute the selector's Prefetch(to_attr=...) and annotations: not a field of the model's type.
    image = product.primary_image  # type: ignore[attr-defined]
    image_data = grid_image_json(image, url_for) if image is not None else None
    card = {
        **_product_fields(product, description=grid_text(product.long_description), whole=False),
        "created_at": datetime_text(product.created_at, zone),
        "updated_at": datetime_text(product.updated_at, zone),
        # An attribute annotated by the selector: not a field of the model's type.
        "has_variants": product.has_variants,  # type: ignore[attr-defined]
    }
    if with_images:  # the shop page: `images` holds the primary image (and no `primary_image` repeats it)
        card["images"] = [image_data] if image_data is not None else []
    else:
        card["primary_image"] = image_data
    return card


def category_json(category: Category) -> dict[str, Any]:
    """PublicCategorySerializer."""
    return {
        "id": category.id,
        "name": category.name,
        "slug": category.slug,
        "description": grid_text(category.description),
    }


def shop_page_json(shop: Shop, products: Iterable[Product], url_for: UrlFor) -> dict[str, Any]:
    """The shop page (PublicShopWithProductsSerializer): `shop` with its featured categories selected."""
    slots = (shop.featured_category_1, shop.featured_category_2, shop.featured_category_3)
    featured = {category.id: category for category in slots if category is not None}  # once each, in order
    zone = timezone.get_current_timezone()
    return {
        "id": shop.id,
        "name": shop.name,
        "slug": shop.slug,
        "heading": shop.heading,
        "description": shop.description,
        "currency": shop.currency,
        "profile_image_url": url_for(shop.profile_image.name) if shop.profile_image.name else None,
        "cover_image_url": url_for(shop.cover_image.name) if shop.cover_image.name else None,
        "featured_categories": [
            {"id": category.id, "name": category.name, "slug": category.slug} for category in featured.values()
        ],
        "contact_email": shop.contact_email,
        "contact_phone": shop.contact_phone,
        "contact_website": shop.contact_website,
        "contact_address": shop.contact_address,
        "products": [grid_card(product, url_for, with_images=True, zone=zone) for product in products],
    }


def _item_json(product: Product, item: dict[str, Any], currency: str) -> dict[str, Any]:
    """PublicInventoryItemSerializer, from the item's JSON row (active items only)."""
    stand_in = ProductInventoryItem(
        stock_quantity=item["stock_quantity"],
        is_active=item["is_active"],
        price_override=None if item["price_override"] is None else Decimal(item["price_override"]),
    )
    options = item["options"]
    return {
        "id": item["id"],
        "is_default": item["is_default"],
        "is_available": available_quantity(product, stand_in) != 0,
        "price": _money(unit_price(product, stand_in), currency),
        "currency": currency,
        "stock_quantity": storefront_stock_quantity(product, stand_in),
        "option_label": " / ".join(f"{o['variant_type_name']}: {o['variant_option_name']}" for o in options),
        "options": options,
    }


def product_page_json(product: Product, url_for: UrlFor) -> dict[str, Any]:
    """A product page (PublicProductSerializer) from `selectors.product_get_public_page`."""
    currency = product.shop.currency
    return {
        **_product_fields(product, description=product.long_description, whole=True),
        # An attribute the selector's Prefetch(to_attr=...): not a field of the model's type.
        "images": [image_json(image, url_for) for image in product.image_rows],  # type: ignore[attr-defined]
        "variant_types": [
            {
                "id": variant_type["id"],
                "name": variant_type["name"],
                "input_type": variant_type["input_type"],
                "sort_order": variant_type["position"],
                "options": [
                    {
                        "id": option["id"],
                        "name": option["name"],
                        "value": option["value"],
                        "color_hex": option["color_hex"],
                        "sort_order": option["position"],
                    }
                    for option in variant_type["options"]
                ],
            }
            # An attribute the selector's Prefetch(to_attr=...): not a field of the model's type.
            for variant_type in product.variant_type_rows  # type: ignore[attr-defined]
        ],
        # An attribute the selector's Prefetch(to_attr=...): not a field of the model's type.
        "inventory_items": [_item_json(product, item, currency) for item in product.item_rows],  # type: ignore[attr-defined]
        "created_at": datetime_text(product.created_at),
        "updated_at": datetime_text(product.updated_at),
    }
