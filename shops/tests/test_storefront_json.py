"""The storefront's plain-function JSON (shops.storefront_json) is exactly what the public serializers (the
OpenAPI schema) give, on varied products; and the pages cost the queries they are pinned to."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from shops import selectors
from shops.models import (
    ProductImage,
    ProductInventoryItem,
    ProductStatus,
    ProductVariantOption,
    ProductVariantType,
    Shop,
    StockStatus,
)
from shops.serializers import (
    PublicCategorySerializer,
    PublicProductListItemSerializer,
    PublicProductSerializer,
    PublicShopWithProductsSerializer,
)
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

# (currency, a price with its decimals, a compare-at price above it)
CURRENCIES = [("USD", "12.50", "20.00"), ("JPY", "1200", "1500"), ("KWD", "1.250", "2.125")]


def varied_catalogue(shop: Shop, price: str, compare_at: str) -> None:
    """Products with and without images, variants, category, discount, availability window, in every stock
    status, with a long description that the grid cuts."""
    today = timezone.localdate()  # the day the storefront goes by
    category = CategoryFactory(shop=shop, name="Mugs", slug="mugs", description="d" * 400)
    CategoryFactory(shop=shop, name="Bowls", slug="bowls")
    statuses = [
        (StockStatus.IN_STOCK, 0),
        (StockStatus.LIMITED, 0),
        (StockStatus.LIMITED, 7),
        (StockStatus.OUT_OF_STOCK, 3),
    ]
    for n, (stock_status, quantity) in enumerate(statuses * 2):
        product = ProductFactory(
            shop=shop,
            category=category if n % 2 else None,
            price=Decimal(price),
            compare_at_price=Decimal(compare_at) if n % 3 == 0 else None,
            stock_status=stock_status,
            stock_quantity=quantity,
            short_description=f"Short {n} é",
            long_description=("Long text, \u00e9\u20ac\U0001f600 " * 30) if n % 2 else "short",
            available_from=today - datetime.timedelta(days=1) if n % 4 == 1 else None,
            available_to=today + datetime.timedelta(days=3) if n % 4 == 2 else None,
        )
        if n % 2 == 0:
            for position in (1, 2):
                ProductImage.objects.create(
                    product=product,
                    image=f"product_images/{product.id}-{position}.jpg",
                    alt_text=f"Photo {position}",
                    position=position,
                    width=640,
                    height=480,
                    content_type="image/jpeg",
                    size=1000,
                    renditions={"480": f"product_images/{product.id}-{position}-480.webp", "160": "x-160.webp"},
                    dominant_color="#aabbcc",
                    placeholder="data:image/webp;base64,AAAA",
                )
        if n % 3 == 1:
            ProductVariantType.objects.create(product=product, name="Size")
    ProductFactory(shop=shop, status=ProductStatus.DRAFT)  # not shown
    ProductFactory(shop=shop, available_from=today + datetime.timedelta(days=2))  # not yet


def drf_request() -> Request:
    return Request(APIRequestFactory().get("/"))


@pytest.fixture(params=CURRENCIES, ids=[currency for currency, _, _ in CURRENCIES])
def catalogue_shop(request: Any, user: Any) -> Shop:
    currency, price, compare_at = request.param
    shop = ShopFactory(owner=user, slug=f"shop-{currency.lower()}", currency=currency)
    varied_catalogue(shop, price, compare_at)
    return shop


@pytest.mark.parametrize("show_stock_quantity", [False, True])
def test_the_product_list_is_what_the_serializer_gives(catalogue_shop: Shop, show_stock_quantity: bool) -> None:
    Shop.objects.filter(id=catalogue_shop.id).update(show_stock_quantity=show_stock_quantity)
    shop = selectors.shop_get_public(slug=catalogue_shop.slug)
    expected = PublicProductListItemSerializer(
        selectors.product_list_public(shop=shop), many=True, context={"request": drf_request()}
    ).data

    response = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/products/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8
    assert body["results"] == [dict(item) for item in expected]
    # The varied cases are really there.
    cards = body["results"]
    assert {card["primary_image"] is None for card in cards} == {True, False}
    assert {card["has_variants"] for card in cards} == {True, False}
    assert {card["category"] for card in cards} == {None, "Mugs"}
    assert {card["discounted_price"] is None for card in cards} == {True, False}
    assert {card["stock_status"] for card in cards} == {"in_stock", "out_of_stock", "limited"}


# The existing frontend's PublicProductObj (FRONTEND-API.md 1.3), less what a grid leaves to the product page.
FRONTEND_CARD_FIELDS = {
    "id",
    "name",
    "slug",
    "description",
    "short_description",
    "long_description",
    "category",
    "base_price",
    "discounted_price",
    "currency",
    "stock_quantity",
    "stock_status",
    "available_from",
    "available_to",
    "created_at",
    "updated_at",
}


def test_grid_cards_carry_what_the_frontend_reads_and_no_repeats(shop: Shop) -> None:
    product = ProductFactory(shop=shop, compare_at_price=Decimal("30"), price=Decimal("20"))
    ProductImage.objects.create(
        product=product,
        image="product_images/a.jpg",
        position=1,
        width=640,
        height=480,
        content_type="image/jpeg",
        size=1,
        renditions={"160": "product_images/a-160.webp"},
        dominant_color="#aabbcc",
        placeholder="data:image/webp;base64,AAAA",
    )

    card = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/products/").json()["results"][0]
    page_card = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/").json()["products"][0]
    product_page = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/products/{product.slug}/").json()

    grid_extras = {"category_slug", "has_variants"}
    assert set(card) == FRONTEND_CARD_FIELDS | grid_extras | {"primary_image"}
    assert set(page_card) == FRONTEND_CARD_FIELDS | grid_extras | {"images"}
    image_fields = {"id", "url", "thumbnail_url", "alt_text", "sort_order", "width", "height"}
    assert set(card["primary_image"]) == set(page_card["images"][0]) == image_fields
    assert (card["base_price"], card["discounted_price"]) == ("30.00", "20.00")
    # The product page keeps its whole shape: our price names, the renditions, srcset and placeholder.
    assert (product_page["price"], product_page["compare_at_price"]) == ("20.00", "30.00")
    assert {"position", "is_primary", "renditions", "srcset", "placeholder"} < set(product_page["images"][0])


@pytest.mark.parametrize(
    ("renditions", "shown"),
    [
        ({"160": "a-160.webp", "480": "a-480.webp", "960": "a-960.webp"}, "a-480.webp"),
        ({"960": "a-960.webp", "160": "a-160.webp"}, "a-960.webp"),  # the narrowest at least 480 wide
        ({"160": "a-160.webp"}, "a-160.webp"),  # a small image: its widest rendition
        ({}, "a.jpg"),  # none: the original
    ],
)
def test_a_grid_card_shows_the_narrowest_rendition_at_least_480_wide(
    shop: Shop, renditions: dict[str, str], shown: str
) -> None:
    product = ProductFactory(shop=shop)
    ProductImage.objects.create(
        product=product,
        image="product_images/a.jpg",
        position=1,
        width=2000,
        height=1500,
        content_type="image/jpeg",
        size=1,
        renditions={width: f"product_images/{name}" for width, name in renditions.items()},
    )

    card = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/products/").json()["results"][0]
    page_card = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/").json()["products"][0]

    expected = default_storage.url(f"product_images/{shown}")
    assert card["primary_image"]["thumbnail_url"] == page_card["images"][0]["thumbnail_url"] == expected
    assert card["primary_image"]["url"] == default_storage.url("product_images/a.jpg")


def test_the_shop_page_and_categories_are_what_the_serializers_give(catalogue_shop: Shop) -> None:
    Shop.objects.filter(id=catalogue_shop.id).update(featured_category_1=catalogue_shop.categories.get(slug="mugs"))
    shop = selectors.shop_get_public(slug=catalogue_shop.slug)
    products = selectors.product_list_public_for_shop_page(shop=shop)
    # The serializer reads the images it is given: the primary one only, as the grid shows.
    prefetch_related_objects(products, Prefetch("images", queryset=ProductImage.objects.filter(position=1)))
    context = {"request": drf_request(), "products": products}
    expected_shop = PublicShopWithProductsSerializer(shop, context=context).data
    expected_categories = PublicCategorySerializer(selectors.category_list(shop=shop), many=True).data

    page = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/").json()
    categories = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/categories/").json()

    assert page == expected_shop
    assert len(page["products"]) == 8
    assert page["featured_categories"] == [{"id": shop.featured_category_1_id, "name": "Mugs", "slug": "mugs"}]
    assert categories == [dict(item) for item in expected_categories]
    assert categories[1]["description"] == "d" * 80 + "\u2026"


def test_the_fast_shapes_have_exactly_the_schema_properties(shop: Shop) -> None:
    ProductFactory(shop=shop)
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    card = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/products/").json()["results"][0]
    page = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/").json()

    assert set(card) == set(components["PublicProductListItem"]["properties"])
    assert set(page) == set(components["PublicShopWithProducts"]["properties"])
    assert set(page["products"][0]) == set(components["PublicShopProduct"]["properties"])


# --- pagination answers as PageNumberPagination gave them, in fewer queries ---


def list_url(shop: Shop) -> str:
    return f"/api/v1/shops/slug/{shop.slug}/products/"


def test_a_list_page_is_one_query_and_links_the_canonical_pages(shop: Shop, django_assert_num_queries: Any) -> None:
    for _ in range(5):
        ProductFactory(shop=shop)

    with django_assert_num_queries(1):
        middle = APIClient().get(list_url(shop), {"page": "02", "page_size": "2", "junk": "x"}).json()

    assert middle["count"] == 5
    assert len(middle["results"]) == 2
    assert middle["next"] == "http://testserver/api/v1/shops/slug/corner-shop/products/?page=3&page_size=2"
    assert middle["previous"] == "http://testserver/api/v1/shops/slug/corner-shop/products/?page_size=2"
    last = APIClient().get(list_url(shop), {"page": "last", "page_size": "2"}).json()
    assert (last["count"], len(last["results"]), last["next"]) == (5, 1, None)


def test_an_empty_first_page_is_an_empty_list_in_two_queries(shop: Shop, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(2):  # the empty page, then the shop
        response = APIClient().get(list_url(shop))

    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("page", ["3", "0", "-1", "x", "1.0", "99999999999999999999999999"])
def test_an_invalid_page_is_a_404(shop: Shop, page: str) -> None:
    ProductFactory(shop=shop)

    response = APIClient().get(list_url(shop), {"page": page})

    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})


@pytest.mark.parametrize("query", [{}, {"page": "x"}, {"min_price": "abc"}, {"page": "last"}])
def test_an_unknown_shop_is_a_404_whatever_the_parameters(query: dict[str, str]) -> None:
    response = APIClient().get("/api/v1/shops/slug/nowhere/products/", query)

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_invalid_filters_of_a_shop_are_a_400(shop: Shop) -> None:
    response = APIClient().get(list_url(shop), {"min_price": "abc"})

    assert (response.status_code, response.json()) == (400, {"min_price": ["Enter a number."]})


def test_categories_are_one_query(shop: Shop, django_assert_num_queries: Any) -> None:
    CategoryFactory(shop=shop)

    with django_assert_num_queries(1):
        assert len(APIClient().get(f"/api/v1/shops/slug/{shop.slug}/categories/").json()) == 1
    with django_assert_num_queries(2):  # none: does the shop exist?
        assert APIClient().get("/api/v1/shops/slug/nowhere/categories/").status_code == 404


# --- the product page ---


def with_variants(shop: Shop, price_override: str) -> list[str]:
    """Two priced products: one with images, two variant types (one without options) and items (one
    inactive, one overriding the price), one plain; their slugs."""
    product = ProductFactory(shop=shop, slug="shirt", stock_status=StockStatus.LIMITED, stock_quantity=9)
    for position in (2, 1):
        ProductImage.objects.create(
            product=product,
            image=f"product_images/{product.id}-{position}.jpg",
            position=position,
            width=10,
            height=10,
            content_type="image/png",
            size=1,
            renditions={"1600": "a-1600.webp", "160": "a-160.webp"},
        )
    colors = ProductVariantType.objects.create(product=product, name="Color", position=1, input_type="color")
    sizes = ProductVariantType.objects.create(product=product, name="Size", position=0)
    ProductVariantType.objects.create(product=product, name="Fit", position=2)
    red = ProductVariantOption.objects.create(variant_type=colors, name="Red", value="red", color_hex="#ff0000")
    small, large = (
        ProductVariantOption.objects.create(variant_type=sizes, name=n, position=i) for i, n in enumerate("SL")
    )
    for position, (size, quantity, active, override) in enumerate(
        [(small, 0, True, None), (large, 4, True, Decimal(price_override)), (None, 2, False, None)]
    ):
        item = ProductInventoryItem.objects.create(
            product=product,
            option_key=f"k{position}",
            stock_quantity=quantity,
            is_active=active,
            is_default=position == 0,
            price_override=override,
            position=position,
        )
        item.options.set([option for option in (size, red) if option is not None])
    ProductFactory(shop=shop, slug="plain", compare_at_price=Decimal("99"), category=CategoryFactory(shop=shop))
    return ["shirt", "plain"]


@pytest.mark.parametrize("show_stock_quantity", [False, True])
@pytest.mark.parametrize(("currency", "override"), [("USD", "7.50"), ("JPY", "700"), ("KWD", "0.125")])
def test_the_product_page_is_what_the_serializer_gives_in_one_query(
    user: Any, currency: str, override: str, show_stock_quantity: bool, django_assert_num_queries: Any
) -> None:
    shop = ShopFactory(owner=user, currency=currency, show_stock_quantity=show_stock_quantity)
    for slug in with_variants(shop, override):
        expected = PublicProductSerializer(
            selectors.product_get_public(shop=shop, slug=slug), context={"request": drf_request()}
        ).data

        with django_assert_num_queries(1):
            response = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/products/{slug}/")

        assert response.json() == expected
    shirt = APIClient().get(f"/api/v1/shops/slug/{shop.slug}/products/shirt/").json()
    assert [item["option_label"] for item in shirt["inventory_items"]] == [
        "Size: S / Color: Red",
        "Size: L / Color: Red",
    ]
    assert [image["position"] for image in shirt["images"]] == [1, 2]
    assert [t["name"] for t in shirt["variant_types"]] == ["Size", "Color", "Fit"]


def test_an_unknown_product_or_shop_is_a_404(shop: Shop) -> None:
    ProductFactory(shop=shop, slug="mug", status=ProductStatus.DRAFT)
    for url in ("corner-shop/products/mug/", "corner-shop/products/nope/", "nowhere/products/mug/"):
        response = APIClient().get(f"/api/v1/shops/slug/{url}")
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
