"""Public pages are bounded whatever the catalogue: the shop page embeds a capped grid, a product page at most
the write limit of items, the limits are refused on write, and the storefront cache cannot be missed or filled
at will (garbage tokens, unknown or reordered parameters, giant bodies)."""

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from shops.models import (
    Product,
    ProductImage,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    Shop,
)
from shops.tests.factories import CategoryFactory, ProductFactory
from shops.tests.test_variants_sync import variant_rows

pytestmark = pytest.mark.django_db

SHOP_PAGE = "/api/v1/shops/slug/corner-shop/"
LIST = f"{SHOP_PAGE}products/"


def catalogue(shop: Shop, *, products: int, items: int) -> list[Product]:
    """`products` active products, each with a photo, one variant type of `items` options and an active
    inventory item per option (written in bulk, around the services, as a big legacy catalogue would be)."""
    made = []
    for n in range(products):
        product = ProductFactory(shop=shop, name=f"Product {n}", slug=f"product-{n}", long_description="x" * 5000)
        ProductImage.objects.create(
            product=product, image=f"p/{n}.jpg", position=1, width=1, height=1, content_type="image/jpeg", size=1
        )
        size = ProductVariantType.objects.create(product=product, name="Size")
        options = ProductVariantOption.objects.bulk_create(
            ProductVariantOption(variant_type=size, name=f"S{i}", value=f"S{i}", position=i) for i in range(items)
        )
        rows = ProductInventoryItem.objects.bulk_create(
            ProductInventoryItem(product=product, option_key=str(option.id), stock_quantity=1, position=i)
            for i, option in enumerate(options)
        )
        ProductInventoryItem.options.through.objects.bulk_create(
            ProductInventoryItem.options.through(productinventoryitem_id=row.id, productvariantoption_id=option.id)
            for row, option in zip(rows, options, strict=True)
        )
        made.append(product)
    return made


# --- the pages ---


def test_the_shop_page_embeds_a_capped_grid_whatever_the_catalogue(
    api_client: APIClient, shop: Shop, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.STOREFRONT_SHOP_PAGE_PRODUCTS = 5
    settings.STOREFRONT_GRID_DESCRIPTION_CHARS = 10
    catalogue(shop, products=8, items=60)

    # Shop with its featured categories; products with category, shop and primary photo.
    with django_assert_max_num_queries(2):
        response = api_client.get(SHOP_PAGE)

    assert response.status_code == 200
    products = response.json()["products"]
    assert [p["slug"] for p in products] == [f"product-{n}" for n in (7, 6, 5, 4, 3)]
    assert {key for p in products for key in ("variant_types", "inventory_items") if key in p} == set()
    assert [(p["has_variants"], [i["sort_order"] for i in p["images"]], "primary_image" in p) for p in products] == [
        (True, [1], False)
    ] * 5
    assert {(p["long_description"], p["description"]) for p in products} == {("x" * 10 + "\u2026",) * 2}
    # Five grid cards: well under 2 KB each (the full products were 5 KB of text and 60 items each).
    assert len(response.content) < 5 * 2000


def test_a_product_page_shows_at_most_the_item_limit(api_client: APIClient, shop: Shop, settings: Any) -> None:
    settings.PRODUCT_MAX_INVENTORY_ITEMS = 10
    [product] = catalogue(shop, products=1, items=15)  # stored before the limit was lowered

    body = api_client.get(f"{LIST}{product.slug}/").json()

    assert [item["option_label"] for item in body["inventory_items"]] == [f"Size: S{i}" for i in range(10)]
    assert body["long_description"] == "x" * 5000  # the product page has it whole


def test_the_product_list_cuts_long_descriptions(api_client: APIClient, shop: Shop, settings: Any) -> None:
    settings.STOREFRONT_GRID_DESCRIPTION_CHARS = 4
    ProductFactory(shop=shop, long_description="Four words fit here", short_description="Short")
    ProductFactory(shop=shop, slug="tiny", long_description="Tiny", short_description="")

    results = api_client.get(LIST).json()["results"]

    assert [(p["long_description"], p["description"], p["short_description"]) for p in results] == [
        ("Tiny", "Tiny", ""),
        ("Four\u2026", "Four\u2026", "Short"),
    ]


def test_public_categories_are_capped_and_cut(api_client: APIClient, shop: Shop, settings: Any) -> None:
    settings.UNPAGINATED_LIST_LIMIT = 2
    settings.STOREFRONT_GRID_DESCRIPTION_CHARS = 5
    for name in ("Cups", "Bowls", "Mugs"):
        CategoryFactory(shop=shop, name=name, slug=name.lower(), description=f"All our {name.lower()}.")

    body = api_client.get(f"{SHOP_PAGE}categories/").json()

    assert [(c["name"], c["description"]) for c in body] == [("Bowls", "All o\u2026"), ("Cups", "All o\u2026")]


# --- the limits on write ---


def items_body(count: int) -> dict[str, Any]:
    sizes = [{"name": f"S{i}"} for i in range(count)]
    return {
        "name": "Tee",
        "price": "10",
        "variant_types": [{"name": "Size", "options": sizes}],
        "inventory_items": [
            {"options": [{"variant_type": "Size", "variant_option": size["name"]}], "stock_quantity": 1}
            for size in sizes
        ],
    }


def test_more_items_than_the_limit_are_refused_and_nothing_is_written(
    owner_client: APIClient, shop: Shop, settings: Any
) -> None:
    settings.PRODUCT_MAX_INVENTORY_ITEMS = 3
    url = f"/api/v1/shops/{shop.id}/products/"
    created = owner_client.post(url, items_body(3), format="json")
    assert created.status_code == 201
    before = variant_rows()

    refused_create = owner_client.post(url, {**items_body(4), "name": "Other"}, format="json")
    refused_update = owner_client.patch(f"{url}{created.json()['id']}/", items_body(4), format="json")

    message = "A product can have at most 3 inventory items (PRODUCT_MAX_INVENTORY_ITEMS)."
    assert (refused_create.status_code, refused_create.json()) == (400, {"inventory_items": [message]})
    assert (refused_update.status_code, refused_update.json()) == (400, {"inventory_items": [message]})
    assert variant_rows() == before


def test_the_default_item_limit_is_100(owner_client: APIClient, shop: Shop) -> None:
    before = variant_rows()

    sizes, colors = [f"S{i}" for i in range(11)], [f"C{i}" for i in range(10)]
    body = {
        "name": "Tee",
        "price": "10",
        "variant_types": [
            {"name": "Size", "options": [{"name": n} for n in sizes]},
            {"name": "Color", "options": [{"name": n} for n in colors]},
        ],
        "inventory_items": [
            {"options": [{"variant_type": "Size", "variant_option": s}, {"variant_type": "Color", "variant_option": c}]}
            for s in sizes
            for c in colors
        ][:101],
    }

    response = owner_client.post(f"/api/v1/shops/{shop.id}/products/", body, format="json")

    assert (response.status_code, list(response.json())) == (400, ["inventory_items"])
    assert variant_rows() == before


def test_more_options_than_the_limit_are_refused_and_nothing_is_written(
    owner_client: APIClient, shop: Shop, settings: Any
) -> None:
    settings.PRODUCT_MAX_OPTIONS_PER_TYPE = 2
    before = variant_rows()

    body: dict[str, Any] = {
        "name": "Tee",
        "price": "10",
        "variant_types": [{"name": "Size", "options": [{"name": "S"}] * 3}],
    }
    body["variant_types"][0]["options"] = [{"name": n} for n in "SML"]
    response = owner_client.post(f"/api/v1/shops/{shop.id}/products/", body, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"variant_types": ["Variant type 1: at most 2 options (PRODUCT_MAX_OPTIONS_PER_TYPE)."]},
    )
    assert variant_rows() == before


# --- the cache ---


@pytest.fixture
def cached(settings: Any) -> None:
    settings.STOREFRONT_CACHE_SECONDS = 60
    cache.clear()


@pytest.mark.usefixtures("cached")
@pytest.mark.parametrize(
    ("headers", "queries"),
    [
        ({"authorization": "Token garbage"}, 0),
        ({"authorization": "Bearer " + "a" * 64}, 0),
        ({"authorization": "Token a b"}, 0),
        ({"authorization": "Token " + "\u00e9" * 64}, 0),
        ({"cookie": "auth_token=garbage"}, 0),
        # Shaped like a token: one indexed look-up of its key finds none.
        ({"authorization": "Token " + "ab" * 32}, 1),
        ({"cookie": "auth_token=" + "ab" * 32}, 1),
    ],
)
def test_a_token_that_logs_nobody_in_is_served_from_the_cache(
    shop: Shop, headers: dict[str, str], queries: int, django_assert_num_queries: Any
) -> None:
    ProductFactory(shop=shop, name="Mug", slug="mug")
    anonymous = APIClient().get(SHOP_PAGE)

    with django_assert_num_queries(queries):
        garbage = APIClient().get(SHOP_PAGE, headers=headers)

    assert (garbage.status_code, garbage.content) == (200, anonymous.content)


@pytest.mark.usefixtures("cached")
def test_unknown_reordered_and_default_parameters_share_the_canonical_entry(
    shop: Shop, django_assert_num_queries: Any
) -> None:
    CategoryFactory(shop=shop, name="Mugs", slug="mugs")
    for n in range(3):
        ProductFactory(shop=shop, name=f"P{n}", slug=f"p{n}", price="10")
    plain = APIClient().get(LIST)
    APIClient().get(LIST, {"page_size": 100})
    second = APIClient().get(LIST, {"page": "2", "page_size": "1", "min_price": "10"})
    shop_page = APIClient().get(SHOP_PAGE)

    with django_assert_num_queries(0):
        same_as_plain = [
            APIClient().get(f"{LIST}{query}")
            for query in (
                "?x=1",
                "?page=1",
                "?page=01",
                "?page=",
                "?page_size=24",
                "?page_size=0",
                "?page_size=-3",
                "?page_size=abc",
                "?ordering=newest&utm_source=ad",
                "?ordering=",
                "?in_stock=maybe",
                "?search=",
            )
        ]
        biggest = [APIClient().get(f"{LIST}?page_size={size}") for size in (100, 1000, 10**6)]
        same_as_second = [
            APIClient().get(f"{LIST}{query}")
            for query in (
                "?page_size=1&page=2&min_price=10",
                "?min_price=10.00&page_size=1&page=2&x=%01",
                "?page=2&page=2&page_size=1&min_price=1e1",
            )
        ]
        same_shop_page = APIClient().get(f"{SHOP_PAGE}?x=1&page=9")

    assert {response.content for response in same_as_plain} == {plain.content}
    assert len({response.content for response in biggest}) == 1
    assert {response.content for response in same_as_second} == {second.content}
    assert same_shop_page.content == shop_page.content
    # The links of a shared page carry only the canonical parameters.
    assert (second.json()["next"], second.json()["previous"]) == (
        "http://testserver/api/v1/shops/slug/corner-shop/products/?min_price=10&page=3&page_size=1",
        "http://testserver/api/v1/shops/slug/corner-shop/products/?min_price=10&page_size=1",
    )


@pytest.mark.usefixtures("cached")
def test_parameters_that_change_the_answer_are_cached_apart(shop: Shop) -> None:
    mugs = CategoryFactory(shop=shop, name="Mugs", slug="mugs")
    ProductFactory(shop=shop, name="Mug", slug="mug", category=mugs)
    ProductFactory(shop=shop, name="Cup", slug="cup")

    def names(query: str) -> list[str]:
        return [p["name"] for p in APIClient().get(f"{LIST}{query}").json()["results"]]

    assert names("?category=mugs") == ["Mug"]
    assert names("?category=Mugs") == []  # slugs compare exactly
    assert names("?category=mugs&ordering=name") == ["Mug"]
    assert names("?ordering=name") == ["Cup", "Mug"]
    assert names("?ordering=-name") == ["Mug", "Cup"]


@pytest.mark.usefixtures("cached")
def test_searches_are_not_cached(shop: Shop, django_assert_num_queries: Any) -> None:
    ProductFactory(shop=shop, name="Caf\u00e9 mug", slug="mug")
    assert APIClient().get(LIST, {"search": "caf\u00e9"}).json()["count"] == 1

    again = APIClient().get(LIST, {"search": "caf\u00e9"})  # a miss again: no cache row per search string
    nfd = APIClient().get(LIST, {"search": "cafe\u0301"})

    assert (again.json()["count"], nfd.json()["count"]) == (1, 0)
    # LocMemCache keeps its entries in `_cache` (no public call lists keys); the cache type does not declare it.
    assert [key for key in cache._cache if "storefront:page" in key] == []  # type: ignore[attr-defined]


@pytest.mark.usefixtures("cached")
def test_a_body_over_the_byte_limit_is_served_but_not_cached(
    shop: Shop, settings: Any, django_assert_num_queries: Any
) -> None:
    ProductFactory(shop=shop, name="Mug", slug="mug")
    size = len(APIClient().get(SHOP_PAGE).content)
    cache.clear()
    settings.STOREFRONT_CACHE_MAX_BYTES = size - 1

    first = APIClient().get(SHOP_PAGE)
    with django_assert_num_queries(2):  # the shop with its featured categories, the grid
        second = APIClient().get(SHOP_PAGE)

    assert (first.status_code, second.status_code, len(second.content)) == (200, 200, size)
    # LocMemCache keeps its entries in `_cache` (no public call lists keys); the cache type does not declare it.
    assert [key for key in cache._cache if "storefront:page" in key] == []  # type: ignore[attr-defined]
    settings.STOREFRONT_CACHE_MAX_BYTES = size
    APIClient().get(SHOP_PAGE)
    with django_assert_num_queries(0):
        APIClient().get(SHOP_PAGE)
