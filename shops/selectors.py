"""Reads of shops and their catalogue. Each selector owns its query shape, so a list costs the same few
queries for one row or a hundred. Owner selectors scope to the owner: another user's rows are a 404."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, JSONField, OuterRef, Prefetch, QuerySet, Subquery, TextField, Window
from django.db.models.functions import Cast, JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from shops.filters import OwnerProductFilter, PublicProductFilter
from shops.models import (
    FIRST_IMAGE_POSITION,
    Category,
    Product,
    ProductImage,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    Shop,
)
from shops.stock import on_sale_filter
from shops.storefront_sql import (
    PRODUCT_COLUMNS,
    SHOP_COLUMNS,
    PreparedQuery,
    json_array,
    json_value,
    product_of,
    shop_of,
)


def shop_list_for_owner(*, owner: User) -> QuerySet[Shop]:
    return Shop.objects.filter(owner=owner).order_by("id")


def shop_get_for_owner(*, owner: User, shop_id: int) -> Shop:
    return get_object_or_404(Shop, id=shop_id, owner=owner)


def category_list(*, shop: Shop) -> QuerySet[Category]:
    return Category.objects.filter(shop=shop).order_by("name", "id")


def category_get(*, shop: Shop, category_id: int) -> Category:
    return get_object_or_404(Category, id=category_id, shop=shop)


def _filtered(
    filterset_class: type[PublicProductFilter], filters: Any, products: QuerySet[Product]
) -> QuerySet[Product]:
    filterset = filterset_class(filters or {}, queryset=products)
    if not filterset.is_valid():
        raise ValidationError(dict(filterset.errors))
    return filterset.qs


def _with_catalogue_relations(products: QuerySet[Product], *, active_items_only: bool = False) -> QuerySet[Product]:
    """Category, shop, images, variant types with options, inventory items with their options and types:
    four queries more than the products, however many there are. The public view (active items only) also
    caps the items per product at the write limit."""
    items = ProductInventoryItem.objects.order_by("position", "id").prefetch_related(
        Prefetch("options", queryset=ProductVariantOption.objects.select_related("variant_type"))
    )
    # The public view: active items only, at most the write limit (into a list: a sliced prefetch cannot
    # stand in for the related manager).
    items_prefetch = (
        Prefetch(
            "inventory_items",
            queryset=items.filter(is_active=True)[: settings.PRODUCT_MAX_INVENTORY_ITEMS],
            to_attr="public_inventory_items",
        )
        if active_items_only
        else Prefetch("inventory_items", queryset=items)
    )
    return products.select_related("category", "shop").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        Prefetch(
            "variant_types",
            queryset=ProductVariantType.objects.order_by("position", "id").prefetch_related(
                Prefetch("options", queryset=ProductVariantOption.objects.order_by("position", "id"))
            ),
        ),
        items_prefetch,
    )


def product_list_for_owner(*, shop: Shop, filters: Any = None) -> QuerySet[Product]:
    products = _with_catalogue_relations(Product.objects.filter(shop=shop).order_by("-created_at", "-id"))
    return _filtered(OwnerProductFilter, filters, products)


def product_get_for_owner(*, shop: Shop, product_id: int) -> Product:
    return get_object_or_404(_with_catalogue_relations(Product.objects.filter(shop=shop)), id=product_id)


def product_get_for_owner_plain(*, shop: Shop, product_id: int) -> Product:
    """The product row alone (with its shop), for endpoints that do not show the product."""
    return get_object_or_404(Product.objects.select_related("shop"), shop=shop, id=product_id)


def product_image_list(*, product: Product) -> QuerySet[ProductImage]:
    return ProductImage.objects.filter(product=product).order_by("position", "id")


def product_image_get(*, product: Product, image_id: int) -> ProductImage:
    return get_object_or_404(ProductImage, id=image_id, product=product)


# The public storefront: only products on sale today (active, inside their availability window), with
# only their active inventory items.


def shop_get_public(*, slug: str) -> Shop:
    return get_object_or_404(
        Shop.objects.select_related("featured_category_1", "featured_category_2", "featured_category_3"), slug=slug
    )


_SHOP_PAGE_SHOP = PreparedQuery(
    lambda shop_slug, product_slug, today: Shop.objects.filter(slug=shop_slug), SHOP_COLUMNS
)


def shop_get_public_page(*, slug: str) -> Shop:
    """`shop_get_public` for the shop page, compiled once (shops.storefront_sql): a row in Shop's shape."""
    rows = _SHOP_PAGE_SHOP.rows(shop_slug=slug)
    if not rows:
        raise Http404("No shop matches the given query.")
    return shop_of(rows[0])


def _on_sale(shop: Shop) -> QuerySet[Product]:
    return _with_catalogue_relations(
        Product.objects.filter(on_sale_filter(today=timezone.localdate()), shop=shop), active_items_only=True
    )


def _image_object() -> JSONObject:
    """What the public image shape needs of an image row, as one JSON object."""
    return JSONObject(
        id="id",
        image="image",
        alt_text="alt_text",
        position="position",
        width="width",
        height="height",
        renditions="renditions",
        dominant_color="dominant_color",
        placeholder="placeholder",
    )


def _primary_image() -> Subquery:
    """The product's primary image as a JSON object of what a grid card shows of it (no placeholder; the
    renditions' names, of which the card shows one): fetched in the product's own query (no prefetch round
    trip)."""
    grid_image = JSONObject(
        id="id",
        image="image",
        alt_text="alt_text",
        position="position",
        width="width",
        height="height",
        renditions="renditions",
    )
    return Subquery(
        ProductImage.objects.filter(product=OuterRef("pk"), position=FIRST_IMAGE_POSITION).values(json=grid_image)[:1],
        output_field=JSONField(),
    )


# What a grid card reads (no shop or category column more: a page of 100 cards loads 100 of each).
GRID_FIELDS = (
    "id",
    "shop_id",
    "category_id",
    "name",
    "slug",
    "short_description",
    "long_description",
    "price",
    "compare_at_price",
    "stock_status",
    "stock_quantity",
    "available_from",
    "available_to",
    "created_at",
    "updated_at",
    "shop__id",
    "shop__currency",
    "shop__show_stock_quantity",
    "category__id",
    "category__name",
    "category__slug",
)


def _grid(products: QuerySet[Product], *, today: date | None = None) -> QuerySet[Product]:
    """Products as the storefront grids show them, in one query: each with its shop, category, primary image
    (`primary_image`, a dict or None) and whether it has variants; no variant types or items."""
    return (
        products.filter(on_sale_filter(today=today or timezone.localdate()))
        .select_related("category", "shop")
        .only(*GRID_FIELDS)
        .annotate(
            has_variants=Exists(ProductVariantType.objects.filter(product=OuterRef("pk"))),
            primary_image=_primary_image(),
        )
        .order_by("-created_at", "-id")
    )


def _grid_public(shop: Shop) -> QuerySet[Product]:
    return _grid(Product.objects.filter(shop=shop))


def product_list_public(*, shop: Shop, filters: Any = None) -> QuerySet[Product]:
    """The storefront's paginated, filterable grid."""
    return _filtered(PublicProductFilter, filters, _grid_public(shop))


def shop_get_public_plain(*, slug: str) -> Shop:
    """The shop row alone (404 when there is none)."""
    return get_object_or_404(Shop, slug=slug)


GRID_COLUMNS = (*PRODUCT_COLUMNS, "has_variants", "primary_image")


def _grid_of_shop(shop_slug: str, _product_slug: str, today: date) -> QuerySet[Product]:
    return _grid(Product.objects.filter(shop__slug=shop_slug), today=today)


# The usual pages, compiled once (shops.storefront_sql): a list page with no filter, the shop page's grid.
_LIST_PAGE = PreparedQuery(
    lambda shop_slug, product_slug, today: _grid_of_shop(shop_slug, product_slug, today).annotate(
        matching=Window(Count("*"))
    ),
    (*GRID_COLUMNS, "matching"),
    suffix=" LIMIT %s OFFSET %s",
)
_SHOP_PAGE_GRID = PreparedQuery(_grid_of_shop, GRID_COLUMNS, suffix=" LIMIT %s")


def _grid_products(rows: list[dict[str, Any]]) -> list[Product]:
    return [
        product_of(row, has_variants=row["has_variants"], primary_image=json_value(row["primary_image"]))
        for row in rows
    ]


def product_page_public(
    *, shop_slug: str, filters: Any, offset: int, limit: int
) -> tuple[Sequence[Product], int | None]:
    """One page of the storefront grid and the number of products the filters match, in one query (the
    count is a window over the filtered rows; each product carries its shop). The count is None when the
    page is empty: the caller then asks `shop_get_public_plain` and `product_count_public`. Invalid filters
    are a ValidationError (after a 404 for an unknown shop, as the other pages answer). Without filters (the
    usual page) the query is the one compiled once, and the products are rows in Product's shape."""
    if not _has_filters(filters):
        rows = _LIST_PAGE.rows(shop_slug=shop_slug, today=timezone.localdate(), extra=(limit, offset))
        return _grid_products(rows), (rows[0]["matching"] if rows else None)
    products = _grid(Product.objects.filter(shop__slug=shop_slug))
    try:
        filtered = _filtered(PublicProductFilter, filters, products)
    except ValidationError:
        shop_get_public_plain(slug=shop_slug)
        raise
    page = list(filtered.annotate(matching=Window(Count("*")))[offset : offset + limit])
    return page, (page[0].matching if page else None)


def _has_filters(filters: Any) -> bool:
    return bool(filters) and any(name in filters for name in PublicProductFilter.base_filters)


def product_count_public(*, shop: Shop, filters: Any) -> int:
    return _filtered(PublicProductFilter, filters, _grid_public(shop)).count()


def product_list_public_for_shop_page(*, shop: Shop) -> list[Product]:
    """The products the shop page embeds: the newest STOREFRONT_SHOP_PAGE_PRODUCTS on sale, in grid shape
    (the product list has the rest, the product page the variants)."""
    return list(_grid_public(shop)[: settings.STOREFRONT_SHOP_PAGE_PRODUCTS])


def product_grid_for_shop_page(*, shop_slug: str) -> list[Product]:
    """`product_list_public_for_shop_page` by the shop's slug, compiled once: rows in Product's shape."""
    rows = _SHOP_PAGE_GRID.rows(
        shop_slug=shop_slug, today=timezone.localdate(), extra=(settings.STOREFRONT_SHOP_PAGE_PRODUCTS,)
    )
    return _grid_products(rows)


def category_list_public(*, shop_slug: str) -> list[Category]:
    """The public categories (at most UNPAGINATED_LIST_LIMIT), in one query when the shop has some."""
    categories = list(
        Category.objects.filter(shop__slug=shop_slug)
        .only("id", "name", "slug", "description")
        .order_by("name", "id")[: settings.UNPAGINATED_LIST_LIMIT]
    )
    if not categories:
        shop_get_public_plain(slug=shop_slug)
    return categories


def product_get_public(*, shop: Shop, slug: str) -> Product:
    """A product page: at most PRODUCT_MAX_INVENTORY_ITEMS active items (the write limit; a product stored
    before it was lowered shows its first ones)."""
    return get_object_or_404(_on_sale(shop), slug=slug)


def _option_rows() -> QuerySet[ProductVariantOption]:
    return ProductVariantOption.objects.order_by("position", "id")


def product_get_public_page(*, shop_slug: str, product_slug: str) -> Product:
    """A product page in one query: the product with its shop and category, and as JSON arrays its images,
    its variant types with their options, and its active inventory items (at most PRODUCT_MAX_INVENTORY_ITEMS)
    with their options (`image_rows`, `variant_type_rows`, `item_rows`; prices of items as text, exact), as a
    row in Product's shape (the query compiled once: shops.storefront_sql). `storefront_json.product_page_json`
    shapes it; `product_get_public` is the same product for the serializers."""
    rows = _PRODUCT_PAGE.rows(shop_slug=shop_slug, product_slug=product_slug, today=timezone.localdate())
    if not rows:
        raise Http404("No product matches the given query.")
    row = rows[0]
    return product_of(
        row,
        image_rows=json_array(row["image_rows"]),
        variant_type_rows=json_array(row["variant_type_rows"]),
        item_rows=json_array(row["item_rows"]),
    )


def _product_page(shop_slug: str, product_slug: str, today: date) -> QuerySet[Product]:
    images = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")
    types = ProductVariantType.objects.filter(product=OuterRef("pk")).order_by("position", "id")
    type_options = _option_rows().filter(variant_type=OuterRef("pk"))
    items = ProductInventoryItem.objects.filter(product=OuterRef("pk"), is_active=True).order_by("position", "id")
    item_options = ProductVariantOption.objects.filter(inventory_items=OuterRef("pk")).order_by(
        "variant_type__position", "variant_type_id", "position", "id"
    )
    products = (
        Product.objects.filter(on_sale_filter(today=today), shop__slug=shop_slug, slug=product_slug)
        .select_related("category", "shop")
        .annotate(
            image_rows=ArraySubquery(images.values(json=_image_object())),
            variant_type_rows=ArraySubquery(
                types.values(
                    json=JSONObject(
                        id="id",
                        name="name",
                        input_type="input_type",
                        position="position",
                        options=ArraySubquery(
                            type_options.values(
                                json=JSONObject(
                                    id="id", name="name", value="value", color_hex="color_hex", position="position"
                                )
                            )
                        ),
                    )
                )
            ),
            item_rows=ArraySubquery(
                items.values(
                    json=JSONObject(
                        id="id",
                        is_default="is_default",
                        is_active="is_active",
                        stock_quantity="stock_quantity",
                        price_override=Cast("price_override", TextField()),
                        options=ArraySubquery(
                            item_options.values(
                                json=JSONObject(
                                    variant_type_id="variant_type_id",
                                    variant_type_name="variant_type__name",
                                    variant_option_id="id",
                                    variant_option_name="name",
                                )
                            )
                        ),
                    )
                )[: settings.PRODUCT_MAX_INVENTORY_ITEMS]
            ),
        )
    )
    return products


_PRODUCT_PAGE = PreparedQuery(
    _product_page,
    (*PRODUCT_COLUMNS, "image_rows", "variant_type_rows", "item_rows"),
    depends_on=lambda: settings.PRODUCT_MAX_INVENTORY_ITEMS,  # the items' LIMIT is in the SQL
)
