"""The public storefront under /api/v1/shops/slug/<slug>/: no login, only active products."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from shops.models import Product, ProductImage, ProductStatus, Shop
from shops.stock import available_quantity, effective_stock_status, storefront_stock_quantity
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory
from shops.tests.snapshots import as_json

pytestmark = pytest.mark.django_db

LIST_ITEM_KEYS = {
    "id",
    "name",
    "slug",
    "category",
    "category_slug",
    "short_description",
    "long_description",
    "description",
    "base_price",
    "discounted_price",
    "currency",
    "stock_status",
    "stock_quantity",
    "available_from",
    "available_to",
    "has_variants",
    "primary_image",
    "created_at",
    "updated_at",
}
# The product page has all images, the variants, and the prices by our names too (a grid has them by the
# frontend's only).
DETAIL_KEYS = (LIST_ITEM_KEYS - {"primary_image", "has_variants"}) | {
    "category_id",
    "in_stock",
    "images",
    "variant_types",
    "inventory_items",
    "price",
    "compare_at_price",
}
SHOP_PAGE_ITEM_KEYS = (LIST_ITEM_KEYS - {"primary_image"}) | {"images"}  # images holds the primary one


def storefront(shop: Shop) -> str:
    return f"/api/v1/shops/slug/{shop.slug}/"


def list_item(product: Product, *, primary_image: dict | None = None, full: bool = False) -> dict:
    """The product as the storefront grid shows it; `full`: as the shop page shows it (the same card with
    `images` for the existing frontend instead of `primary_image`)."""
    product.refresh_from_db()
    body = {
        "id": product.id,
        "name": product.name,
        "slug": product.slug,
        "category": product.category.name if product.category else None,
        "category_slug": product.category.slug if product.category else None,
        "short_description": product.short_description,
        "long_description": product.long_description,
        "description": product.long_description,
        "base_price": f"{(product.compare_at_price or product.price):.2f}",
        "discounted_price": None if product.compare_at_price is None else f"{product.price:.2f}",
        "currency": "USD",
        "stock_status": effective_stock_status(product),
        "stock_quantity": storefront_stock_quantity(product, None),
        "available_from": None,
        "available_to": None,
        "has_variants": False,
        "primary_image": primary_image,
        "created_at": as_json(product.created_at),
        "updated_at": as_json(product.updated_at),
    }
    if not full:
        return body
    del body["primary_image"]
    return {**body, "images": [primary_image] if primary_image else []}


def detail(product: Product) -> dict:
    """The product as its page shows it (no variants here)."""
    body = list_item(product, full=True)
    del body["has_variants"]
    prices = {
        "category_id": product.category_id,
        "in_stock": available_quantity(product, None) != 0,
        "price": f"{product.price:.2f}",
        "compare_at_price": None if product.compare_at_price is None else f"{product.compare_at_price:.2f}",
    }
    return {**body, **prices, "variant_types": [], "inventory_items": []}


@pytest.fixture
def storefront_products(shop: Shop) -> dict[str, Product]:
    """One product of each status, oldest first, and a product of another shop with the same slug."""
    toys = CategoryFactory(shop=shop, name="Toys", slug="toys")
    products = {
        "older": ProductFactory(
            shop=shop,
            name="Wooden Train",
            slug="wooden-train",
            category=toys,
            price=Decimal("8"),
            compare_at_price=Decimal("10"),
            short_description="Choo.",
            long_description="Beech.",
        ),
        "newer": ProductFactory(shop=shop, name="Rubber Duck", slug="rubber-duck", stock_quantity=0),
        "draft": ProductFactory(shop=shop, name="Secret", slug="secret", status=ProductStatus.DRAFT),
        "archived": ProductFactory(shop=shop, name="Gone", slug="gone", status=ProductStatus.ARCHIVED),
    }
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for minute, product in enumerate(products.values()):
        Product.objects.filter(id=product.id).update(created_at=start + timedelta(minutes=minute))
    ProductFactory(shop=ShopFactory(), name="Elsewhere", slug="elsewhere")
    return products


def test_shop_page_shows_the_shop_and_its_active_products_newest_first(api_client, shop, storefront_products) -> None:
    response = api_client.get(storefront(shop))

    assert response.status_code == 200
    assert response.json() == {
        "id": shop.id,
        "name": "Corner Shop",
        "slug": "corner-shop",
        "heading": "",
        "description": "",
        "currency": "USD",
        "profile_image_url": None,
        "cover_image_url": None,
        "featured_categories": [],
        "contact_email": "",
        "contact_phone": "",
        "contact_website": "",
        "contact_address": "",
        "products": [
            list_item(storefront_products["newer"], full=True),
            list_item(storefront_products["older"], full=True),
        ],
    }


def test_shop_page_of_a_shop_without_products_has_an_empty_list(api_client, shop) -> None:
    response = api_client.get(storefront(shop))

    assert response.status_code == 200
    assert response.json()["products"] == []


def test_public_product_list_is_paginated_and_holds_only_active_products(api_client, shop, storefront_products) -> None:
    response = api_client.get(f"{storefront(shop)}products/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [list_item(storefront_products["newer"]), list_item(storefront_products["older"])],
    }


def test_public_product_list_pages(api_client, shop, storefront_products) -> None:
    response = api_client.get(f"{storefront(shop)}products/", {"page_size": 1})

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": f"http://testserver{storefront(shop)}products/?page=2&page_size=1",
        "previous": None,
        "results": [list_item(storefront_products["newer"])],
    }


def test_public_product_list_shows_only_the_primary_photo(api_client, shop) -> None:
    product = ProductFactory(shop=shop)
    for position, name in [(2, "products/second.png"), (1, "products/first.jpg")]:
        ProductImage.objects.create(
            product=product,
            image=name,
            alt_text=f"Image {position}",
            position=position,
            width=4,
            height=3,
            content_type="image/jpeg",
            size=10,
        )
    primary = ProductImage.objects.get(position=1)

    response = api_client.get(f"{storefront(shop)}products/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        list_item(
            product,
            primary_image={
                "id": primary.id,
                "url": default_storage.url("products/first.jpg"),
                "thumbnail_url": default_storage.url("products/first.jpg"),  # no renditions: the original
                "alt_text": "Image 1",
                "sort_order": 1,
                "width": 4,
                "height": 3,
            },
        )
    ]


def test_public_product_json_has_no_sku_stock_or_status(api_client, shop, storefront_products) -> None:
    listed = api_client.get(f"{storefront(shop)}products/").json()["results"]
    on_shop_page = api_client.get(storefront(shop)).json()["products"]
    detail = api_client.get(f"{storefront(shop)}products/wooden-train/").json()

    assert [set(item) for item in listed] == [LIST_ITEM_KEYS, LIST_ITEM_KEYS]
    assert [set(item) for item in on_shop_page] == [SHOP_PAGE_ITEM_KEYS, SHOP_PAGE_ITEM_KEYS]
    assert set(detail) == DETAIL_KEYS


def test_public_product_detail_shows_an_active_product(api_client, shop, storefront_products) -> None:
    product = storefront_products["older"]

    response = api_client.get(f"{storefront(shop)}products/wooden-train/")

    assert response.status_code == 200
    expected = detail(product)
    assert response.json() == expected
    assert (expected["price"], expected["base_price"], expected["discounted_price"], expected["category_slug"]) == (
        "8.00",
        "10.00",
        "8.00",
        "toys",
    )


@pytest.mark.parametrize("slug", ["secret", "gone", "no-such-product", "elsewhere"])
def test_public_product_detail_is_404_unless_the_product_is_active_in_this_shop(
    api_client, shop, storefront_products, slug
) -> None:
    response = api_client.get(f"{storefront(shop)}products/{slug}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_public_categories_are_the_shops_categories_by_name(api_client, shop, other_shop) -> None:
    toys = CategoryFactory(shop=shop, name="Toys", slug="toys", description="Fun.")
    books = CategoryFactory(shop=shop, name="Books", slug="books")
    CategoryFactory(shop=other_shop, name="Apples")

    response = api_client.get(f"{storefront(shop)}categories/")

    assert response.status_code == 200
    assert response.json() == [
        {"id": books.id, "name": "Books", "slug": "books", "description": ""},
        {"id": toys.id, "name": "Toys", "slug": "toys", "description": "Fun."},
    ]


@pytest.mark.parametrize("suffix", ["", "products/", "products/wooden-train/", "categories/"])
def test_unknown_shop_slug_is_404(api_client, shop, storefront_products, suffix) -> None:
    response = api_client.get(f"/api/v1/shops/slug/no-such-shop/{suffix}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_storefront_works_with_a_stale_token(api_client, shop, storefront_products) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(f"{storefront(shop)}products/")

    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_storefront_is_read_only(api_client, owner_client, shop, storefront_products) -> None:
    before = list(Product.objects.order_by("id").values())

    responses = [
        api_client.post(f"{storefront(shop)}products/", {"name": "X", "price": "1"}),
        owner_client.post(f"{storefront(shop)}products/", {"name": "X", "price": "1"}),
        owner_client.delete(f"{storefront(shop)}products/wooden-train/"),
    ]

    assert [r.status_code for r in responses] == [405, 405, 405]
    assert list(Product.objects.order_by("id").values()) == before
