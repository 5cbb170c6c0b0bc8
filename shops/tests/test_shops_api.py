"""The owner's shops: /api/v1/shops/ and /api/v1/shops/<id>/."""

from decimal import Decimal

import pytest

from shops.models import Category, Product, Shop
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory
from shops.tests.snapshots import as_json, catalogue_rows

pytestmark = pytest.mark.django_db

SHOPS = "/api/v1/shops/"


def detail(shop: Shop) -> str:
    return f"{SHOPS}{shop.id}/"


# What a shop shows before its images, featured categories and contact details are set.
UNSET_EXTRAS = {
    "profile_image_url": None,
    "cover_image_url": None,
    "featured_category_1": None,
    "featured_category_2": None,
    "featured_category_3": None,
    "contact_email": "",
    "contact_phone": "",
    "contact_website": "",
    "contact_address": "",
    "show_stock_quantity": False,
    "mail_sender_name": "",
    "mail_footer": "",
    "mail_show_logo": True,
}


@pytest.fixture(autouse=True)
def _unlimited_plan(user) -> None:
    """These tests are about shops, not plan limits (see test_plans.py): the caller may open many."""
    user.account_type = "enterprise"
    user.save(update_fields=["account_type"])


def shop_body(shop: Shop) -> dict:
    shop.refresh_from_db()
    return {
        "id": shop.id,
        "name": shop.name,
        "slug": shop.slug,
        "heading": shop.heading,
        "description": shop.description,
        "currency": shop.currency,
        **UNSET_EXTRAS,
        "created_at": as_json(shop.created_at),
        "updated_at": as_json(shop.updated_at),
    }


# Create


def test_create_shop_returns_the_new_shop_owned_by_the_caller(owner_client, user) -> None:
    response = owner_client.post(
        SHOPS,
        {"name": "Corner Shop", "heading": "Fresh every day", "description": "Bread and milk.", "currency": "EUR"},
    )

    assert response.status_code == 201
    shop = Shop.objects.get()
    assert response.json() == {
        "id": shop.id,
        "name": "Corner Shop",
        "slug": "corner-shop",
        "heading": "Fresh every day",
        "description": "Bread and milk.",
        "currency": "EUR",
        **UNSET_EXTRAS,
        "created_at": as_json(shop.created_at),
        "updated_at": as_json(shop.updated_at),
    }
    assert shop.owner == user


def test_create_shop_defaults_to_usd_and_empty_texts(owner_client) -> None:
    response = owner_client.post(SHOPS, {"name": "Plain"})

    assert response.status_code == 201
    shop = Shop.objects.get()
    assert (shop.slug, shop.heading, shop.description, shop.currency) == ("plain", "", "", "USD")
    assert response.json() == shop_body(shop)


def test_create_shop_transliterates_a_unicode_name_into_the_slug(owner_client) -> None:
    response = owner_client.post(SHOPS, {"name": "Магазин Ёлка"})

    assert response.status_code == 201
    assert response.json()["slug"] == "magazin-elka"
    assert Shop.objects.get().slug == "magazin-elka"


def test_shops_with_the_same_name_get_numbered_slugs(owner_client, other_client) -> None:
    first = owner_client.post(SHOPS, {"name": "Магазин Ёлка"})
    second = owner_client.post(SHOPS, {"name": "Магазин Ёлка"})
    # Slugs are unique across all shops, not only one owner's.
    third = other_client.post(SHOPS, {"name": "Магазин Ёлка"})

    assert [first.status_code, second.status_code, third.status_code] == [201, 201, 201]
    assert [first.json()["slug"], second.json()["slug"], third.json()["slug"]] == [
        "magazin-elka",
        "magazin-elka-2",
        "magazin-elka-3",
    ]
    assert list(Shop.objects.order_by("id").values_list("slug", flat=True)) == [
        "magazin-elka",
        "magazin-elka-2",
        "magazin-elka-3",
    ]


def test_a_name_with_no_letters_or_digits_gets_the_slug_shop(owner_client) -> None:
    first = owner_client.post(SHOPS, {"name": "🛒🛍️"})
    second = owner_client.post(SHOPS, {"name": "🎁"})

    assert [first.status_code, second.status_code] == [201, 201]
    assert [first.json()["slug"], second.json()["slug"]] == ["shop", "shop-2"]
    assert first.json()["name"] == "🛒🛍️"


def test_a_long_name_is_cut_to_the_slug_length_and_still_numbered(owner_client) -> None:
    name = "a" * 120
    slugs = [owner_client.post(SHOPS, {"name": name}).json()["slug"] for _ in range(3)]

    assert slugs == ["a" * 80, "a" * 78 + "-2", "a" * 78 + "-3"]
    assert Shop.objects.count() == 3


def test_create_shop_normalises_an_explicit_slug(owner_client) -> None:
    response = owner_client.post(SHOPS, {"name": "Corner Shop", "slug": "  My Cool SHOP! "})

    assert response.status_code == 201
    assert response.json()["slug"] == "my-cool-shop"
    assert Shop.objects.get().slug == "my-cool-shop"


def test_create_shop_refuses_an_explicit_slug_already_taken(owner_client, other_shop) -> None:
    before = catalogue_rows()

    response = owner_client.post(SHOPS, {"name": "Mine", "slug": "Other-Shop"})

    assert response.status_code == 400
    assert response.json() == {"slug": ["This slug is already in use."]}
    assert catalogue_rows() == before


def test_create_shop_refuses_a_slug_with_no_letters_or_digits(owner_client) -> None:
    response = owner_client.post(SHOPS, {"name": "Mine", "slug": "!!!"})

    assert response.status_code == 400
    assert response.json() == {"slug": ["Enter a slug of letters, digits and hyphens."]}
    assert Shop.objects.count() == 0


def test_create_shop_accepts_a_lowercase_currency_code(owner_client) -> None:
    response = owner_client.post(SHOPS, {"name": "Euro Shop", "currency": "eur"})

    assert response.status_code == 201
    assert response.json()["currency"] == "EUR"
    assert Shop.objects.get().currency == "EUR"


@pytest.mark.parametrize(
    ("currency", "error"),
    [
        ("XYZ", "'XYZ' is not an ISO 4217 currency code."),
        ("XAU", "'XAU' is not an ISO 4217 currency code."),  # gold: no minor unit, not a shop currency
        ("EU", "Ensure this field has at least 3 characters."),
        ("EURO", "Ensure this field has no more than 3 characters."),
    ],
)
def test_create_shop_refuses_a_currency_outside_iso_4217(owner_client, currency, error) -> None:
    response = owner_client.post(SHOPS, {"name": "Shop", "currency": currency})

    assert response.status_code == 400
    assert response.json() == {"currency": [error]}
    assert Shop.objects.count() == 0


def test_create_shop_requires_a_name(owner_client) -> None:
    response = owner_client.post(SHOPS, {"heading": "No name"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}
    assert Shop.objects.count() == 0


def test_create_shop_ignores_owner_and_read_only_fields_in_the_payload(owner_client, user, other_user) -> None:
    response = owner_client.post(
        SHOPS,
        {
            "name": "Mine",
            "owner": other_user.id,
            "owner_id": other_user.id,
            "id": 9999,
            "created_at": "2000-01-01T00:00:00Z",
        },
    )

    assert response.status_code == 201
    shop = Shop.objects.get()
    assert shop.owner == user
    assert shop.id != 9999
    assert response.json() == shop_body(shop)
    assert response.json()["created_at"] != "2000-01-01T00:00:00Z"


# List


def test_shop_list_is_a_plain_array_of_the_callers_shops_with_a_total_header(owner_client, user, other_user) -> None:
    first = ShopFactory(owner=user, name="First")
    ShopFactory(owner=other_user, name="Not mine")
    second = ShopFactory(owner=user, name="Second")

    response = owner_client.get(SHOPS)

    assert response.status_code == 200
    assert response.json() == [shop_body(first), shop_body(second)]
    assert response["X-Total-Count"] == "2"


def test_shop_list_is_an_empty_array_for_a_user_without_shops(owner_client, other_shop) -> None:
    response = owner_client.get(SHOPS)

    assert response.status_code == 200
    assert response.json() == []
    assert response["X-Total-Count"] == "0"


def test_shop_list_is_paginated_when_a_page_is_asked_for(owner_client, user) -> None:
    first = ShopFactory(owner=user)
    second = ShopFactory(owner=user)

    page_one = owner_client.get(SHOPS, {"page": 1, "page_size": 1})
    page_two = owner_client.get(SHOPS, {"page": 2, "page_size": 1})

    assert page_one.status_code == 200
    assert page_one.json() == {
        "count": 2,
        "next": "http://testserver/api/v1/shops/?page=2&page_size=1",
        "previous": None,
        "results": [shop_body(first)],
    }
    assert page_one["X-Total-Count"] == "2"
    assert page_two.json() == {
        "count": 2,
        "next": None,
        "previous": "http://testserver/api/v1/shops/?page_size=1",
        "results": [shop_body(second)],
    }


def test_shop_list_answers_404_for_a_page_past_the_end(owner_client, shop) -> None:
    response = owner_client.get(SHOPS, {"page": 5})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


# Detail, update, delete


def test_get_shop_returns_the_shop(owner_client, shop) -> None:
    response = owner_client.get(detail(shop))

    assert response.status_code == 200
    assert response.json() == shop_body(shop)


def test_put_shop_sets_every_given_field(owner_client, shop) -> None:
    response = owner_client.put(
        detail(shop),
        {"name": "New Name", "slug": "new-name", "heading": "H", "description": "D", "currency": "gbp"},
    )

    assert response.status_code == 200
    shop.refresh_from_db()
    assert (shop.name, shop.slug, shop.heading, shop.description, shop.currency) == (
        "New Name",
        "new-name",
        "H",
        "D",
        "GBP",
    )
    assert response.json() == shop_body(shop)


def test_put_shop_requires_a_name_and_changes_nothing_without_one(owner_client, shop) -> None:
    before = catalogue_rows()

    response = owner_client.put(detail(shop), {"heading": "H"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}
    assert catalogue_rows() == before


def test_patch_shop_changes_only_the_given_fields(owner_client, shop) -> None:
    Shop.objects.filter(id=shop.id).update(heading="Old heading", description="Old description", currency="EUR")

    response = owner_client.patch(detail(shop), {"heading": "New heading"})

    assert response.status_code == 200
    shop.refresh_from_db()
    assert (shop.name, shop.slug, shop.heading, shop.description, shop.currency) == (
        "Corner Shop",
        "corner-shop",
        "New heading",
        "Old description",
        "EUR",
    )
    assert response.json() == shop_body(shop)


def test_patch_shop_with_an_empty_slug_makes_it_again_from_the_name(owner_client, shop, other_user) -> None:
    ShopFactory(owner=other_user, slug="corner-shop-renamed")

    response = owner_client.patch(detail(shop), {"name": "Corner Shop Renamed", "slug": ""})

    assert response.status_code == 200
    assert response.json()["slug"] == "corner-shop-renamed-2"
    shop.refresh_from_db()
    assert shop.slug == "corner-shop-renamed-2"


def test_patch_shop_keeping_its_own_slug_is_not_a_conflict(owner_client, shop) -> None:
    response = owner_client.patch(detail(shop), {"slug": "corner-shop", "name": "Renamed"})

    assert response.status_code == 200
    shop.refresh_from_db()
    assert (shop.slug, shop.name) == ("corner-shop", "Renamed")


def test_patch_shop_refuses_the_slug_of_another_shop(owner_client, shop, other_shop) -> None:
    before = catalogue_rows()

    response = owner_client.patch(detail(shop), {"slug": "other-shop", "name": "Renamed"})

    assert response.status_code == 400
    assert response.json() == {"slug": ["This slug is already in use."]}
    assert catalogue_rows() == before


def test_patch_shop_refuses_an_unknown_currency(owner_client, shop) -> None:
    before = catalogue_rows()

    response = owner_client.patch(detail(shop), {"currency": "xyz"})

    assert response.status_code == 400
    assert response.json() == {"currency": ["'XYZ' is not an ISO 4217 currency code."]}
    assert catalogue_rows() == before


def test_patch_shop_ignores_an_owner_in_the_payload(owner_client, shop, user, other_user) -> None:
    response = owner_client.patch(detail(shop), {"owner": other_user.id, "owner_id": other_user.id, "name": "Kept"})

    assert response.status_code == 200
    shop.refresh_from_db()
    assert (shop.owner_id, shop.name) == (user.id, "Kept")


def test_currency_change_is_refused_while_a_price_has_more_decimals_than_it_allows(owner_client, shop) -> None:
    ProductFactory(shop=shop, price=Decimal("10.50"))
    ProductFactory(shop=shop, price=Decimal("10"))
    before = catalogue_rows()

    response = owner_client.patch(detail(shop), {"currency": "JPY", "name": "Renamed"})

    assert response.status_code == 400
    assert response.json() == {
        "currency": ["Some product prices have more decimals than JPY allows; change them first."]
    }
    assert catalogue_rows() == before
    shop.refresh_from_db()
    assert (shop.currency, shop.name) == ("USD", "Corner Shop")


def test_currency_change_is_refused_while_a_compare_at_price_has_too_many_decimals(owner_client, shop) -> None:
    ProductFactory(shop=shop, price=Decimal("10"), compare_at_price=Decimal("12.50"))
    before = catalogue_rows()

    response = owner_client.patch(detail(shop), {"currency": "JPY"})

    assert response.status_code == 400
    assert response.json() == {
        "currency": ["Some product prices have more decimals than JPY allows; change them first."]
    }
    assert catalogue_rows() == before


def test_currency_change_to_jpy_is_allowed_when_every_price_is_whole(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("1200.00"), compare_at_price=Decimal("1500"))

    response = owner_client.patch(detail(shop), {"currency": "JPY"})
    product_response = owner_client.get(f"{detail(shop)}products/{product.id}/")

    assert response.status_code == 200
    assert response.json()["currency"] == "JPY"
    assert Shop.objects.get(id=shop.id).currency == "JPY"
    assert (product_response.json()["price"], product_response.json()["compare_at_price"]) == ("1200", "1500")


def test_delete_shop_removes_it_with_its_catalogue_and_nothing_else(owner_client, shop, other_shop) -> None:
    CategoryFactory(shop=shop)
    ProductFactory(shop=shop)
    kept_category = CategoryFactory(shop=other_shop)
    kept_product = ProductFactory(shop=other_shop, category=kept_category)

    response = owner_client.delete(detail(shop))

    assert response.status_code == 204
    assert response.content == b""
    assert list(Shop.objects.values_list("id", flat=True)) == [other_shop.id]
    assert list(Category.objects.values_list("id", flat=True)) == [kept_category.id]
    assert list(Product.objects.values_list("id", flat=True)) == [kept_product.id]


def test_unknown_shop_id_is_404(owner_client, shop) -> None:
    response = owner_client.get(f"{SHOPS}{shop.id + 1000}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
