"""A shop's categories: /api/v1/shops/<shop_id>/categories/ and .../<category_id>/."""

import pytest

from shops.models import Category, Product, Shop
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory
from shops.tests.snapshots import as_json, catalogue_rows

pytestmark = pytest.mark.django_db


def categories_url(shop: Shop) -> str:
    return f"/api/v1/shops/{shop.id}/categories/"


def category_url(category: Category) -> str:
    return f"/api/v1/shops/{category.shop_id}/categories/{category.id}/"


def category_body(category: Category) -> dict:
    category.refresh_from_db()
    return {
        "id": category.id,
        "shop": category.shop_id,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "created_at": as_json(category.created_at),
        "updated_at": as_json(category.updated_at),
    }


def test_create_category_returns_it_with_a_slug_made_from_the_name(owner_client, shop) -> None:
    response = owner_client.post(categories_url(shop), {"name": "  Shoes & Boots ", "description": "For feet."})

    assert response.status_code == 201
    category = Category.objects.get()
    assert response.json() == {
        "id": category.id,
        "shop": shop.id,
        "name": "Shoes & Boots",
        "slug": "shoes-boots",
        "description": "For feet.",
        "created_at": as_json(category.created_at),
        "updated_at": as_json(category.updated_at),
    }
    assert category.shop == shop


def test_create_category_normalises_an_explicit_slug(owner_client, shop) -> None:
    response = owner_client.post(categories_url(shop), {"name": "Shoes", "slug": "Ботинки Winter"})

    assert response.status_code == 201
    assert response.json()["slug"] == "botinki-winter"
    assert Category.objects.get().slug == "botinki-winter"


def test_create_category_of_only_symbols_gets_the_slug_category(owner_client, shop) -> None:
    response = owner_client.post(categories_url(shop), {"name": "★★★"})

    assert response.status_code == 201
    assert (response.json()["name"], response.json()["slug"]) == ("★★★", "category")


def test_create_category_requires_a_name(owner_client, shop) -> None:
    response = owner_client.post(categories_url(shop), {"slug": "shoes"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}
    assert Category.objects.count() == 0


def test_category_names_are_unique_per_shop_whatever_their_case(owner_client, shop) -> None:
    CategoryFactory(shop=shop, name="Shoes", slug="footwear")
    before = catalogue_rows()

    response = owner_client.post(categories_url(shop), {"name": "SHOES", "slug": "shoes-again"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This shop already has a category with this name."]}
    assert catalogue_rows() == before


def test_an_explicit_category_slug_taken_in_the_shop_is_refused(owner_client, shop) -> None:
    CategoryFactory(shop=shop, name="Footwear", slug="shoes")
    before = catalogue_rows()

    response = owner_client.post(categories_url(shop), {"name": "Shoes", "slug": "Shoes"})

    assert response.status_code == 400
    assert response.json() == {"slug": ["This shop already has a category with this slug."]}
    assert catalogue_rows() == before


def test_a_category_slug_made_from_the_name_is_numbered_when_taken(owner_client, shop) -> None:
    CategoryFactory(shop=shop, name="Footwear", slug="shoes")

    first = owner_client.post(categories_url(shop), {"name": "Shoes"})
    second = owner_client.post(categories_url(shop), {"name": "Shoes!"})

    assert [first.status_code, second.status_code] == [201, 201]
    assert [first.json()["slug"], second.json()["slug"]] == ["shoes-2", "shoes-3"]
    assert list(Category.objects.order_by("id").values_list("name", "slug")) == [
        ("Footwear", "shoes"),
        ("Shoes", "shoes-2"),
        ("Shoes!", "shoes-3"),
    ]


def test_a_category_taking_both_name_and_slug_is_refused_for_both(owner_client, shop) -> None:
    CategoryFactory(shop=shop, name="Shoes", slug="shoes")
    before = catalogue_rows()

    response = owner_client.post(categories_url(shop), {"name": "shoes", "slug": "shoes"})

    assert response.status_code == 400
    assert response.json() == {
        "name": ["This shop already has a category with this name."],
        "slug": ["This shop already has a category with this slug."],
    }
    assert catalogue_rows() == before


def test_a_taken_category_name_is_refused_without_a_slug_too(owner_client, shop) -> None:
    CategoryFactory(shop=shop, name="Shoes", slug="shoes")
    before = catalogue_rows()

    response = owner_client.post(categories_url(shop), {"name": "SHOES"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This shop already has a category with this name."]}
    assert catalogue_rows() == before


def test_the_same_category_name_and_slug_may_be_used_in_two_shops(owner_client, shop, other_shop) -> None:
    CategoryFactory(shop=other_shop, name="Shoes", slug="shoes")

    response = owner_client.post(categories_url(shop), {"name": "Shoes"})

    assert response.status_code == 201
    assert list(Category.objects.order_by("id").values_list("shop_id", "name", "slug")) == [
        (other_shop.id, "Shoes", "shoes"),
        (shop.id, "Shoes", "shoes"),
    ]


def test_category_list_is_the_shops_categories_by_name(owner_client, shop, other_shop) -> None:
    toys = CategoryFactory(shop=shop, name="Toys")
    books = CategoryFactory(shop=shop, name="Books")
    CategoryFactory(shop=other_shop, name="Apples")

    response = owner_client.get(categories_url(shop))

    assert response.status_code == 200
    assert response.json() == [category_body(books), category_body(toys)]
    assert response["X-Total-Count"] == "2"


def test_category_list_is_paginated_when_asked(owner_client, shop) -> None:
    toys = CategoryFactory(shop=shop, name="Toys")
    CategoryFactory(shop=shop, name="Books")

    response = owner_client.get(categories_url(shop), {"page": 2, "page_size": 1})

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": f"http://testserver{categories_url(shop)}?page_size=1",
        "results": [category_body(toys)],
    }


def test_get_category_returns_it(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys", slug="toys", description="Fun.")

    response = owner_client.get(category_url(category))

    assert response.status_code == 200
    assert response.json() == category_body(category)


def test_put_category_sets_the_given_fields(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys", slug="toys", description="Fun.")

    response = owner_client.put(category_url(category), {"name": "Games", "slug": "Board Games", "description": ""})

    assert response.status_code == 200
    category.refresh_from_db()
    assert (category.name, category.slug, category.description) == ("Games", "board-games", "")
    assert response.json() == category_body(category)


def test_put_category_requires_a_name(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys")
    before = catalogue_rows()

    response = owner_client.put(category_url(category), {"description": "x"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}
    assert catalogue_rows() == before


def test_patch_category_changes_only_the_given_fields(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys", slug="toys", description="Fun.")

    response = owner_client.patch(category_url(category), {"description": "More fun."})

    assert response.status_code == 200
    category.refresh_from_db()
    assert (category.name, category.slug, category.description) == ("Toys", "toys", "More fun.")
    assert response.json() == category_body(category)


def test_patch_category_with_an_empty_slug_makes_it_from_the_name(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Board Games", slug="old")

    response = owner_client.patch(category_url(category), {"slug": ""})

    assert response.status_code == 200
    assert response.json()["slug"] == "board-games"
    assert Category.objects.get(id=category.id).slug == "board-games"


def test_patch_category_may_change_the_case_of_its_own_name(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="toys", slug="toys")

    response = owner_client.patch(category_url(category), {"name": "Toys"})

    assert response.status_code == 200
    assert Category.objects.get(id=category.id).name == "Toys"


def test_patch_category_refuses_a_name_of_another_category(owner_client, shop) -> None:
    CategoryFactory(shop=shop, name="Books", slug="books")
    category = CategoryFactory(shop=shop, name="Toys", slug="toys")
    before = catalogue_rows()

    response = owner_client.patch(category_url(category), {"name": "books"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This shop already has a category with this name."]}
    assert catalogue_rows() == before


def test_patch_category_refuses_a_slug_of_another_category(owner_client, shop) -> None:
    CategoryFactory(shop=shop, name="Books", slug="books")
    category = CategoryFactory(shop=shop, name="Toys", slug="toys")
    before = catalogue_rows()

    response = owner_client.patch(category_url(category), {"slug": "Books"})

    assert response.status_code == 400
    assert response.json() == {"slug": ["This shop already has a category with this slug."]}
    assert catalogue_rows() == before


def test_delete_category_leaves_its_products_without_a_category(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys")
    kept = CategoryFactory(shop=shop, name="Books")
    orphan = ProductFactory(shop=shop, category=category)
    untouched = ProductFactory(shop=shop, category=kept)

    response = owner_client.delete(category_url(category))

    assert response.status_code == 204
    assert list(Category.objects.values_list("id", flat=True)) == [kept.id]
    assert list(Product.objects.order_by("id").values_list("id", "category_id")) == [
        (orphan.id, None),
        (untouched.id, kept.id),
    ]


def test_a_category_of_another_shop_of_the_same_owner_is_404_under_this_shop(owner_client, shop, user) -> None:
    second_shop = ShopFactory(owner=user)
    category = CategoryFactory(shop=second_shop, name="Toys")
    before = catalogue_rows()
    wrong_url = f"/api/v1/shops/{shop.id}/categories/{category.id}/"

    responses = [
        owner_client.get(wrong_url),
        owner_client.patch(wrong_url, {"name": "Hijacked"}),
        owner_client.delete(wrong_url),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert catalogue_rows() == before
