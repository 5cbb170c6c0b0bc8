"""Slugs made from names, normalised when given, and kept unique with -2, -3... suffixes, also when two
requests take the same one at the same moment."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tests.clients import client_for
from shops.models import Category, Product, Shop
from shops.services import uniqueness
from shops.slugs import first_free_slug, normalize_given_slug, slug_from
from shops.tests.factories import ProductFactory, ShopFactory


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Магазин Ёлка", "magazin-elka"),
        ("Crème Brûlée & Co.", "creme-brulee-co"),
        ("  Many   spaces  ", "many-spaces"),
        ("北京", "bei-jing"),
        ("🛒🛍️", "shop"),
        ("", "shop"),
    ],
)
def test_slug_from_transliterates_and_falls_back(text, slug) -> None:
    assert slug_from(text, max_length=80, fallback="shop") == slug


def test_slug_from_cuts_at_a_word_boundary() -> None:
    assert slug_from("alpha beta gamma", max_length=12, fallback="x") == "alpha-beta"


def test_normalize_given_slug_slugifies_the_clients_slug() -> None:
    assert normalize_given_slug(" Hello World! ", max_length=80) == "hello-world"
    assert normalize_given_slug("a" * 100, max_length=80) == "a" * 80


def test_normalize_given_slug_refuses_a_slug_with_nothing_left_naming_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        normalize_given_slug("!!!", max_length=80, field="handle")

    assert error.value.message_dict == {"handle": ["Enter a slug of letters, digits and hyphens."]}


@pytest.mark.django_db
def test_first_free_slug_takes_the_smallest_free_number() -> None:
    for slug in ["lamp", "lamp-2", "lamp-4", "lamp-shade", "lamps"]:
        ShopFactory(slug=slug)

    assert first_free_slug("lamp", taken_in=Shop.objects.all(), max_length=80) == "lamp-3"
    assert first_free_slug("lamp-shade", taken_in=Shop.objects.all(), max_length=80) == "lamp-shade-2"
    assert first_free_slug("desk", taken_in=Shop.objects.all(), max_length=80) == "desk"


@pytest.mark.django_db
def test_first_free_slug_takes_base_characters_literally() -> None:
    # "a.b" as a regular expression would match "axb".
    ShopFactory(slug="axb")

    assert first_free_slug("a.b", taken_in=Shop.objects.all(), max_length=80) == "a.b"


@pytest.mark.django_db
def test_first_free_slug_sees_numbered_slugs_cut_to_the_maximum_length() -> None:
    base = "b" * 20
    for slug in [base, "b" * 18 + "-2", "b" * 18 + "-3"]:
        ShopFactory(slug=slug)

    assert first_free_slug(base, taken_in=Shop.objects.all(), max_length=20) == "b" * 18 + "-4"


@pytest.mark.django_db
def test_first_free_slug_looks_only_in_the_given_rows(shop) -> None:
    ProductFactory(shop=shop, slug="mug")
    ProductFactory(slug="cup")

    assert first_free_slug("mug", taken_in=Product.objects.filter(shop=shop), max_length=140) == "mug-2"
    assert first_free_slug("cup", taken_in=Product.objects.filter(shop=shop), max_length=140) == "cup"


def post_at_once(clients: list, url: str, payloads: list[dict], monkeypatch, *, in_step: bool = True) -> list:
    """POST from one thread per client, each holding its first slug choice until all have chosen, so that
    every request picks the same slug before any of them writes. With `in_step=False` the requests only
    start together: for writes that a row lock serialises (product creates lock their shop for the plan
    limit), where holding one request at the slug choice would deadlock the other on the lock."""
    barrier = threading.Barrier(len(clients), timeout=10)
    waited = threading.local()
    real_first_free_slug = uniqueness.first_free_slug

    def first_free_slug_in_step(*args, **kwargs):
        slug = real_first_free_slug(*args, **kwargs)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return slug

    if in_step:
        monkeypatch.setattr(uniqueness, "first_free_slug", first_free_slug_in_step)
    responses: list = [None] * len(clients)

    def post(index: int) -> None:
        try:
            if not in_step:
                barrier.wait()
            responses[index] = clients[index].post(url, payloads[index])
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


@pytest.mark.django_db(transaction=True)
def test_two_shops_created_at_once_with_the_same_name_get_different_slugs(user, other_user, monkeypatch) -> None:
    clients = [client_for(user), client_for(other_user)]

    responses = post_at_once(clients, "/api/v1/shops/", [{"name": "Twin Shop"}] * 2, monkeypatch)

    assert [response.status_code for response in responses] == [201, 201]
    assert sorted(response.json()["slug"] for response in responses) == ["twin-shop", "twin-shop-2"]
    assert sorted(Shop.objects.values_list("slug", flat=True)) == ["twin-shop", "twin-shop-2"]
    assert sorted(Shop.objects.values_list("owner_id", flat=True)) == sorted([user.id, other_user.id])


@pytest.mark.django_db(transaction=True)
def test_two_products_created_at_once_with_the_same_name_get_different_slugs(user, monkeypatch) -> None:
    shop = ShopFactory(owner=user)
    clients = [client_for(user), client_for(user)]
    payloads = [{"name": "Twin Mug", "price": "5", "sku": "A"}, {"name": "Twin Mug", "price": "6", "sku": "B"}]

    responses = post_at_once(clients, f"/api/v1/shops/{shop.id}/products/", payloads, monkeypatch, in_step=False)

    assert [response.status_code for response in responses] == [201, 201]
    assert sorted(Product.objects.values_list("slug", "sku", "price")) in (
        [("twin-mug", "A", Decimal("5")), ("twin-mug-2", "B", Decimal("6"))],
        [("twin-mug", "B", Decimal("6")), ("twin-mug-2", "A", Decimal("5"))],
    )


@pytest.mark.django_db(transaction=True)
def test_two_products_created_at_once_with_the_same_sku_one_is_refused(user, monkeypatch) -> None:
    shop = ShopFactory(owner=user)
    clients = [client_for(user), client_for(user)]
    payloads = [{"name": "Mug", "price": "5", "sku": "SAME"}, {"name": "Cup", "price": "6", "sku": "SAME"}]

    responses = post_at_once(clients, f"/api/v1/shops/{shop.id}/products/", payloads, monkeypatch, in_step=False)

    assert sorted(response.status_code for response in responses) == [201, 400]
    refused = next(response for response in responses if response.status_code == 400)
    assert refused.json() == {"sku": ["This shop already has a product with this SKU."]}
    assert list(Product.objects.values_list("sku", flat=True)) == ["SAME"]


@pytest.mark.django_db(transaction=True)
def test_two_products_created_at_once_with_the_same_new_category_share_it(user, monkeypatch) -> None:
    shop = ShopFactory(owner=user)
    clients = [client_for(user), client_for(user)]
    payloads = [
        {"name": "Mug", "price": "5", "category": "Kitchen"},
        {"name": "Cup", "price": "6", "category": "kitchen"},
    ]

    responses = post_at_once(clients, f"/api/v1/shops/{shop.id}/products/", payloads, monkeypatch, in_step=False)

    assert [response.status_code for response in responses] == [201, 201]
    category = Category.objects.get()
    assert (category.shop_id, category.slug) == (shop.id, "kitchen")
    assert sorted(Product.objects.values_list("name", "category_id")) == [("Cup", category.id), ("Mug", category.id)]
