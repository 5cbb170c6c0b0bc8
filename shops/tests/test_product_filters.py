"""Filters, search and sorting of the owner's product list and the public one."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shops.models import Product, ProductStatus, Shop, StockStatus
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

# name, sku, price, stock, category, status, short description, long description; created in this order.
# Stock is tracked (limited) for all of them.
CATALOGUE = [
    ("Wooden Train", "TOY-1", "8", 3, "toys", ProductStatus.ACTIVE, "Beech wood train", ""),
    ("Rubber Duck", "TOY-2", "2.50", 0, "toys", ProductStatus.ACTIVE, "", "Yellow duck for the bath"),
    ("Cook Book", "BK-1", "20", 10, "books", ProductStatus.ACTIVE, "Recipes for wood-fired ovens", ""),
    ("Draft Novel", "BK-2", "15", 1, "books", ProductStatus.DRAFT, "", ""),
    ("Old Atlas", "BK-3", "30", 0, None, ProductStatus.ARCHIVED, "", "Maps of wooden ships"),
]


@pytest.fixture
def catalogue(shop: Shop) -> dict[str, Any]:
    """The products of CATALOGUE in `shop`, one minute apart, and a product of another shop."""
    categories = {
        "toys": CategoryFactory(shop=shop, name="Toys", slug="toys"),
        "books": CategoryFactory(shop=shop, name="Books", slug="books"),
    }
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    for minute, (name, sku, price, stock, category, status, short, long) in enumerate(CATALOGUE):
        product = ProductFactory(
            shop=shop,
            name=name,
            sku=sku,
            price=Decimal(price),
            stock_status=StockStatus.LIMITED,  # tracked: in_stock follows the quantity
            stock_quantity=stock,
            category=categories[category] if category else None,
            status=status,
            short_description=short,
            long_description=long,
        )
        Product.objects.filter(id=product.id).update(created_at=start + timedelta(minutes=minute))
    foreign_shop = ShopFactory()
    ProductFactory(shop=foreign_shop, name="Foreign Wooden Train", category=CategoryFactory(shop=foreign_shop))
    return categories


def owner_names(client: Any, shop: Shop, **params: Any) -> list[str]:
    response = client.get(f"/api/v1/shops/{shop.id}/products/", params)
    assert response.status_code == 200, response.json()
    return [product["name"] for product in response.json()]


def public_names(client: Any, shop: Shop, **params: Any) -> list[str]:
    response = client.get(f"/api/v1/shops/slug/{shop.slug}/products/", params)
    assert response.status_code == 200, response.json()
    return [product["name"] for product in response.json()["results"]]


NEWEST_FIRST = ["Old Atlas", "Draft Novel", "Cook Book", "Rubber Duck", "Wooden Train"]
ACTIVE_NEWEST_FIRST = ["Cook Book", "Rubber Duck", "Wooden Train"]


# The owner's list


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, NEWEST_FIRST),
        ({"status": "draft"}, ["Draft Novel"]),
        ({"status": "archived"}, ["Old Atlas"]),
        ({"status": "active"}, ACTIVE_NEWEST_FIRST),
        ({"category": "toys"}, ["Rubber Duck", "Wooden Train"]),
        ({"category": "books"}, ["Draft Novel", "Cook Book"]),
        ({"category": "garden"}, []),
        ({"min_price": "8"}, ["Old Atlas", "Draft Novel", "Cook Book", "Wooden Train"]),
        ({"max_price": "8"}, ["Rubber Duck", "Wooden Train"]),
        ({"min_price": "5", "max_price": "20"}, ["Draft Novel", "Cook Book", "Wooden Train"]),
        ({"min_price": "2.5", "max_price": "2.5"}, ["Rubber Duck"]),
        ({"in_stock": "true"}, ["Draft Novel", "Cook Book", "Wooden Train"]),
        ({"in_stock": "false"}, ["Old Atlas", "Rubber Duck"]),
        ({"search": "wood"}, ["Old Atlas", "Cook Book", "Wooden Train"]),
        ({"search": "WOOD train"}, ["Wooden Train"]),
        ({"search": "wood ovens"}, ["Cook Book"]),
        ({"search": "wood bath"}, []),
        ({"search": "duck"}, ["Rubber Duck"]),
        ({"search": "bk-"}, ["Old Atlas", "Draft Novel", "Cook Book"]),
        ({"search": "TOY-2"}, ["Rubber Duck"]),
        ({"ordering": "newest"}, NEWEST_FIRST),
        ({"ordering": "oldest"}, NEWEST_FIRST[::-1]),
        ({"ordering": "price"}, ["Rubber Duck", "Wooden Train", "Draft Novel", "Cook Book", "Old Atlas"]),
        ({"ordering": "-price"}, ["Old Atlas", "Cook Book", "Draft Novel", "Wooden Train", "Rubber Duck"]),
        ({"ordering": "name"}, ["Cook Book", "Draft Novel", "Old Atlas", "Rubber Duck", "Wooden Train"]),
        ({"ordering": "-name"}, ["Wooden Train", "Rubber Duck", "Old Atlas", "Draft Novel", "Cook Book"]),
        ({"category": "books", "in_stock": "true", "ordering": "price"}, ["Draft Novel", "Cook Book"]),
        ({"status": "active", "search": "wood", "ordering": "-price"}, ["Cook Book", "Wooden Train"]),
    ],
)
def test_owner_product_list_filters_searches_and_sorts(owner_client, shop, catalogue, params, names) -> None:
    assert owner_names(owner_client, shop, **params) == names


def test_owner_product_list_filters_by_category_id(owner_client, shop, catalogue) -> None:
    assert owner_names(owner_client, shop, category=catalogue["toys"].id) == ["Rubber Duck", "Wooden Train"]


def test_owner_product_list_filters_by_price_given_with_decimals(owner_client, shop, catalogue) -> None:
    assert owner_names(owner_client, shop, min_price="2.49", max_price="2.51") == ["Rubber Duck"]


def test_owner_product_list_filters_a_page_and_counts_only_matches(owner_client, shop, catalogue) -> None:
    response = owner_client.get(
        f"/api/v1/shops/{shop.id}/products/", {"in_stock": "true", "ordering": "price", "page": 2, "page_size": 2}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"]) == (3, None)
    assert body["previous"] == (
        f"http://testserver/api/v1/shops/{shop.id}/products/?in_stock=true&ordering=price&page_size=2"
    )
    assert [product["name"] for product in body["results"]] == ["Cook Book"]
    assert response["X-Total-Count"] == "3"


def test_owner_product_list_counts_the_filtered_total_in_the_header(owner_client, shop, catalogue) -> None:
    response = owner_client.get(f"/api/v1/shops/{shop.id}/products/", {"category": "books"})

    assert response["X-Total-Count"] == "2"


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"ordering": "bogus"}, {"ordering": ["Select a valid choice. bogus is not one of the available choices."]}),
        ({"min_price": "abc"}, {"min_price": ["Enter a number."]}),
        ({"max_price": "1e"}, {"max_price": ["Enter a number."]}),
        ({"status": "sold"}, {"status": ["Select a valid choice. sold is not one of the available choices."]}),
        (
            {"min_price": "abc", "ordering": "cheapest"},
            {
                "min_price": ["Enter a number."],
                "ordering": ["Select a valid choice. cheapest is not one of the available choices."],
            },
        ),
    ],
)
def test_owner_product_list_refuses_invalid_filters_naming_them(owner_client, shop, catalogue, params, errors) -> None:
    response = owner_client.get(f"/api/v1/shops/{shop.id}/products/", params)

    assert response.status_code == 400
    assert response.json() == errors


# The public list


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ACTIVE_NEWEST_FIRST),
        # Drafts and archived products stay hidden: the public list has no status filter.
        ({"status": "draft"}, ACTIVE_NEWEST_FIRST),
        ({"status": "archived"}, ACTIVE_NEWEST_FIRST),
        ({"category": "books"}, ["Cook Book"]),
        ({"category": "toys"}, ["Rubber Duck", "Wooden Train"]),
        ({"min_price": "8"}, ["Cook Book", "Wooden Train"]),
        ({"max_price": "8"}, ["Rubber Duck", "Wooden Train"]),
        ({"in_stock": "true"}, ["Cook Book", "Wooden Train"]),
        ({"in_stock": "false"}, ["Rubber Duck"]),
        ({"search": "wood"}, ["Cook Book", "Wooden Train"]),
        ({"search": "wood train"}, ["Wooden Train"]),
        ({"search": "yellow BATH"}, ["Rubber Duck"]),
        ({"search": "novel"}, []),
        # SKUs are the owner's business: not searchable in public.
        ({"search": "TOY-1"}, []),
        ({"ordering": "oldest"}, ACTIVE_NEWEST_FIRST[::-1]),
        ({"ordering": "price"}, ["Rubber Duck", "Wooden Train", "Cook Book"]),
        ({"ordering": "-price"}, ["Cook Book", "Wooden Train", "Rubber Duck"]),
        ({"ordering": "name"}, ["Cook Book", "Rubber Duck", "Wooden Train"]),
        ({"ordering": "-name"}, ["Wooden Train", "Rubber Duck", "Cook Book"]),
        ({"category": "toys", "in_stock": "false", "ordering": "name"}, ["Rubber Duck"]),
    ],
)
def test_public_product_list_filters_searches_and_sorts(api_client, shop, catalogue, params, names) -> None:
    assert public_names(api_client, shop, **params) == names


def test_public_product_list_filters_by_category_id(api_client, shop, catalogue) -> None:
    assert public_names(api_client, shop, category=catalogue["books"].id) == ["Cook Book"]


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"ordering": "bogus"}, {"ordering": ["Select a valid choice. bogus is not one of the available choices."]}),
        ({"min_price": "abc"}, {"min_price": ["Enter a number."]}),
        ({"max_price": "cheap"}, {"max_price": ["Enter a number."]}),
    ],
)
def test_public_product_list_refuses_invalid_filters_naming_them(api_client, shop, catalogue, params, errors) -> None:
    response = api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/", params)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize("value", ["²", "\uff11", "99999999999999999999"])
def test_category_values_that_are_no_id_match_nothing(owner_client, api_client, shop, catalogue, value) -> None:
    assert owner_names(owner_client, shop, category=value) == []
    assert public_names(api_client, shop, category=value) == []


def test_a_category_whose_slug_is_all_digits_is_found_by_its_slug(owner_client, api_client, shop, catalogue) -> None:
    year = CategoryFactory(shop=shop, name="2024", slug="2024")
    ProductFactory(shop=shop, name="Calendar", category=year)

    assert owner_names(owner_client, shop, category="2024") == ["Calendar"]
    assert owner_names(owner_client, shop, category=str(year.id)) == ["Calendar"]
    assert public_names(api_client, shop, category="2024") == ["Calendar"]
