"""The storefront cache: a hit makes no query and returns the same response; every kind of catalogue write makes
the next read fresh once it commits; pages are kept apart by query string, host and date; the TTL and 0."""

import gzip
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import auth_token_issue
from images.tests.samples import image_bytes
from orders.services.checkout import cart_checkout
from orders.services.orders import order_status_change
from orders.tests.endpoints import CUSTOMER
from orders.tests.factories import CartFactory, CartItemFactory
from shops.models import Category, Product, ProductImage, Shop
from shops.services.images import product_image_upload
from shops.storefront_cache import page_lifetime
from shops.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

Committed = Callable[[], AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _cache_on(settings: Any) -> None:
    settings.STOREFRONT_CACHE_SECONDS = 60


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Committed:
    """Runs the on-commit hooks of what is written inside it, as the commit of a real request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def category(shop: Shop) -> Category:
    return CategoryFactory(shop=shop, name="Mugs", slug="mugs")


@pytest.fixture
def mug(shop: Shop, category: Category) -> Product:
    shop.show_stock_quantity = True
    shop.save(update_fields=["show_stock_quantity"])
    return ProductFactory(
        shop=shop, category=category, name="Mug", slug="mug", price=Decimal("10.00"), stock_status="limited"
    )


def storefront(shop_slug: str) -> str:
    return f"/api/v1/shops/slug/{shop_slug}/"


def product_list(shop_slug: str, query: str = "") -> str:
    return f"{storefront(shop_slug)}products/{query}"


def product_detail(shop_slug: str, product_slug: str) -> str:
    return f"{storefront(shop_slug)}products/{product_slug}/"


def category_list(shop_slug: str) -> str:
    return f"{storefront(shop_slug)}categories/"


def read(url: str, **headers: str) -> Any:
    """An anonymous read, made twice so that the second is a hit (the first may have been one already)."""
    APIClient().get(url, headers=headers)
    return APIClient().get(url, headers=headers)


def names(url: str) -> list[str]:
    return [product["name"] for product in read(url).json()["results"]]


def owner_url(shop: Shop, rest: str = "") -> str:
    return f"/api/v1/shops/{shop.id}/{rest}"


def queries_of(url: str, client: APIClient | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert (client or APIClient()).get(url).status_code == 200
    return len(captured)


# --- hits ---


@pytest.mark.parametrize(
    "url",
    [
        storefront("corner-shop"),
        product_list("corner-shop", "?page_size=1&category=mugs"),
        product_detail("corner-shop", "mug"),
        category_list("corner-shop"),
    ],
)
def test_a_hit_makes_no_query_and_returns_the_same_response(
    mug: Product, url: str, django_assert_num_queries: Any
) -> None:
    miss = APIClient().get(url)

    with django_assert_num_queries(0):
        hit = APIClient().get(url)

    assert (miss.status_code, hit.status_code) == (200, 200)
    assert hit.content == miss.content
    assert dict(hit.headers) == dict(miss.headers)
    assert hit["ETag"] == miss["ETag"]
    assert hit["Cache-Control"] == "public, no-cache"


def test_a_hit_answers_304_to_its_etag_without_a_query(mug: Product, django_assert_num_queries: Any) -> None:
    etag = APIClient().get(product_list("corner-shop"))["ETag"]

    with django_assert_num_queries(0):
        response = APIClient().get(product_list("corner-shop"), headers={"if-none-match": etag})

    assert (response.status_code, response.content, response["ETag"]) == (304, b"", etag)


def test_a_client_that_accepts_gzip_gets_the_page_compressed_with_an_etag_of_its_own(
    mug: Product, django_assert_num_queries: Any
) -> None:
    url = storefront("corner-shop")
    with mock.patch("shops.storefront_cache.cache.set", wraps=cache.set) as stored:
        miss = APIClient().get(url, headers={"accept-encoding": "gzip, deflate, br"})
    with django_assert_num_queries(0):
        hit = APIClient().get(url, headers={"accept-encoding": "gzip, deflate, br"})
        plain = APIClient().get(url)

    # The cache keeps the gzipped bytes, and they are what a gzip client gets, on a miss as on a hit.
    (_, kept, _, _), *_ = stored.call_args.args[1:]
    assert kept == miss.content == hit.content
    assert gzip.decompress(hit.content) == plain.content
    assert plain.json()["products"][0]["name"] == "Mug"
    assert [r.get("Content-Encoding") for r in (miss, hit, plain)] == ["gzip", "gzip", None]
    assert miss["Vary"] == hit["Vary"] == plain["Vary"] == "Accept-Encoding, origin"
    assert hit["ETag"] == miss["ETag"] != plain["ETag"]
    assert hit["Content-Length"] == str(len(hit.content))


def test_each_encoding_answers_304_to_its_own_etag_only(mug: Product) -> None:
    url = product_list("corner-shop")
    gzip_etag = APIClient().get(url, headers={"accept-encoding": "gzip"})["ETag"]
    plain_etag = APIClient().get(url)["ETag"]

    def status(encoding: str, etag: str) -> int:
        return APIClient().get(url, headers={"accept-encoding": encoding, "if-none-match": etag}).status_code

    assert [status("gzip", gzip_etag), status("identity", plain_etag)] == [304, 304]
    assert [status("gzip", plain_etag), status("identity", gzip_etag)] == [200, 200]


def test_a_404_is_not_cached(shop: Shop) -> None:
    url = product_detail("corner-shop", "mug")
    assert APIClient().get(url).status_code == 404

    ProductFactory(shop=shop, name="Mug", slug="mug")

    assert APIClient().get(url).json()["name"] == "Mug"


def test_a_public_response_is_the_same_for_its_owner_and_anyone(
    mug: Product, owner_client: APIClient, other_client: APIClient
) -> None:
    for url in (storefront("corner-shop"), product_list("corner-shop"), product_detail("corner-shop", "mug")):
        anonymous = APIClient().get(url).content
        assert owner_client.get(url).content == anonymous
        assert other_client.get(url).content == anonymous


def test_logged_in_reads_bypass_the_cache(mug: Product, user: Any, owner_client: APIClient) -> None:
    assert read(product_detail("corner-shop", "mug")).json()["name"] == "Mug"
    # Written around the services: no bump, so the anonymous page stays as it was (until the TTL).
    Product.objects.filter(id=mug.id).update(name="Big Mug")

    assert read(product_detail("corner-shop", "mug")).json()["name"] == "Mug"
    assert owner_client.get(product_detail("corner-shop", "mug")).json()["name"] == "Big Mug"
    token, _ = auth_token_issue(user=user)
    cookie = APIClient().get(product_detail("corner-shop", "mug"), headers={"cookie": f"auth_token={token}"})
    assert cookie.json()["name"] == "Big Mug"


# --- writes make the next read fresh ---


def test_product_create_update_and_delete_refresh_the_pages(
    mug: Product, owner_client: APIClient, committed: Committed
) -> None:
    shop = mug.shop
    assert names(product_list("corner-shop")) == ["Mug"]
    assert read(product_detail("corner-shop", "mug")).json()["price"] == "10.00"

    with committed():
        created = owner_client.post(owner_url(shop, "products/"), {"name": "Vase", "price": "30"}, format="json")
    assert created.status_code == 201
    assert names(product_list("corner-shop")) == ["Vase", "Mug"]
    assert [p["name"] for p in read(storefront("corner-shop")).json()["products"]] == ["Vase", "Mug"]

    with committed():
        updated = owner_client.patch(owner_url(shop, f"products/{mug.id}/"), {"price": "12.50"}, format="json")
    assert updated.status_code == 200
    assert read(product_detail("corner-shop", "mug")).json()["price"] == "12.50"
    assert [p["base_price"] for p in read(product_list("corner-shop")).json()["results"]] == ["30.00", "12.50"]

    with committed():
        assert owner_client.delete(owner_url(shop, f"products/{mug.id}/")).status_code == 204
    assert read(product_detail("corner-shop", "mug")).status_code == 404
    assert names(product_list("corner-shop")) == ["Vase"]


def primary_image_id(shop_slug: str) -> int | None:
    (product,) = read(product_list(shop_slug)).json()["results"]
    image = product["primary_image"]
    return None if image is None else image["id"]


def image_ids(shop_slug: str, product_slug: str) -> list[int]:
    return [image["id"] for image in read(product_detail(shop_slug, product_slug)).json()["images"]]


def test_image_upload_reorder_and_delete_refresh_the_pages(
    mug: Product, owner_client: APIClient, bucket: Any, committed: Committed
) -> None:
    images = owner_url(mug.shop, f"products/{mug.id}/images/")
    assert primary_image_id("corner-shop") is None

    with committed():
        first = product_image_upload(product=mug, file=SimpleUploadedFile("a", image_bytes("JPEG", (16, 12))))
    assert primary_image_id("corner-shop") == first.id

    with committed():
        upload = SimpleUploadedFile("b.png", image_bytes("PNG", (16, 12)))
        second = owner_client.post(f"{images}upload/", {"file": upload}, format="multipart")
    assert second.status_code == 201
    second_id = second.json()["id"]
    assert image_ids("corner-shop", "mug") == [first.id, second_id]

    with committed():
        reordered = owner_client.post(f"{images}reorder/", {"order": [second_id, first.id]}, format="json")
    assert reordered.status_code == 200
    assert image_ids("corner-shop", "mug") == [second_id, first.id]
    assert primary_image_id("corner-shop") == second_id

    with committed():
        assert owner_client.delete(f"{images}{second_id}/").status_code == 204
    assert image_ids("corner-shop", "mug") == [first.id]
    assert primary_image_id("corner-shop") == first.id
    assert list(ProductImage.objects.values_list("id", "position")) == [(first.id, 1)]


def test_category_rename_refreshes_the_pages(
    mug: Product, category: Category, owner_client: APIClient, committed: Committed
) -> None:
    assert [c["name"] for c in read(category_list("corner-shop")).json()] == ["Mugs"]
    assert read(product_detail("corner-shop", "mug")).json()["category"] == "Mugs"

    with committed():
        response = owner_client.patch(owner_url(mug.shop, f"categories/{category.id}/"), {"name": "Cups"})
    assert response.status_code == 200

    assert [c["name"] for c in read(category_list("corner-shop")).json()] == ["Cups"]
    assert read(product_detail("corner-shop", "mug")).json()["category"] == "Cups"
    assert read(product_list("corner-shop")).json()["results"][0]["category"] == "Cups"


def test_shop_update_refreshes_the_pages_and_the_slug_it_leaves(
    mug: Product, owner_client: APIClient, committed: Committed
) -> None:
    assert read(storefront("corner-shop")).json()["name"] == "Corner Shop"
    assert read(product_detail("corner-shop", "mug")).json()["currency"] == "USD"

    with committed():
        renamed = owner_client.patch(owner_url(mug.shop), {"name": "Corner Store", "currency": "EUR"}, format="json")
    assert renamed.status_code == 200
    assert read(storefront("corner-shop")).json()["name"] == "Corner Store"
    assert read(product_detail("corner-shop", "mug")).json()["currency"] == "EUR"

    with committed():
        moved = owner_client.patch(owner_url(mug.shop), {"slug": "corner-store"}, format="json")
    assert moved.status_code == 200
    assert read(storefront("corner-shop")).status_code == 404
    assert read(product_detail("corner-shop", "mug")).status_code == 404
    assert read(storefront("corner-store")).json()["slug"] == "corner-store"


def test_shop_delete_refreshes_the_pages(mug: Product, owner_client: APIClient, committed: Committed) -> None:
    assert names(product_list("corner-shop")) == ["Mug"]

    with committed():
        assert owner_client.delete(owner_url(mug.shop)).status_code == 204

    assert read(product_list("corner-shop")).status_code == 404
    assert read(storefront("corner-shop")).status_code == 404


def test_variant_and_inventory_sync_refresh_the_pages(
    mug: Product, owner_client: APIClient, committed: Committed
) -> None:
    url = owner_url(mug.shop, f"products/{mug.id}/")
    assert read(product_detail("corner-shop", "mug")).json()["variant_types"] == []

    with committed():
        response = owner_client.patch(
            url, {"variant_types": [{"name": "Size", "options": [{"name": "S"}, {"name": "M"}]}]}, format="json"
        )
    assert response.status_code == 200, response.json()
    (size,) = response.json()["variant_types"]
    detail = read(product_detail("corner-shop", "mug")).json()
    assert [(t["name"], [o["name"] for o in t["options"]]) for t in detail["variant_types"]] == [("Size", ["S", "M"])]
    assert read(product_list("corner-shop")).json()["results"][0]["has_variants"] is True

    items = [
        {"stock_quantity": stock, "options": [{"variant_type_id": size["id"], "variant_option_id": option["id"]}]}
        for stock, option in zip((2, 3), size["options"], strict=True)
    ]
    with committed():
        assert owner_client.patch(url, {"inventory_items": items}, format="json").status_code == 200
    detail = read(product_detail("corner-shop", "mug")).json()
    assert [(i["option_label"], i["stock_quantity"]) for i in detail["inventory_items"]] == [
        ("Size: S", 2),
        ("Size: M", 3),
    ]
    assert detail["stock_quantity"] == 5

    items[0]["stock_quantity"] = 7
    items[0]["id"] = detail["inventory_items"][0]["id"]
    items[1]["id"] = detail["inventory_items"][1]["id"]
    with committed():
        assert owner_client.patch(url, {"inventory_items": items}, format="json").status_code == 200
    detail = read(product_detail("corner-shop", "mug")).json()
    assert [(i["option_label"], i["stock_quantity"]) for i in detail["inventory_items"]] == [
        ("Size: S", 7),
        ("Size: M", 3),
    ]
    assert detail["stock_quantity"] == 10


def test_checkout_taking_stock_and_a_cancel_returning_it_refresh_the_pages(mug: Product, committed: Committed) -> None:
    def stock() -> tuple[int, str]:
        detail = read(product_detail("corner-shop", "mug")).json()
        return detail["stock_quantity"], detail["stock_status"]

    assert stock() == (5, "limited")
    cart = CartFactory(shop=mug.shop)
    CartItemFactory(cart=cart, product=mug, quantity=5)

    with committed():
        order = cart_checkout(token=cart.token, **CUSTOMER).order
    assert stock() == (0, "out_of_stock")
    assert read(product_list("corner-shop")).json()["results"][0]["stock_status"] == "out_of_stock"

    with committed():
        order_status_change(order=order, status="cancelled")
    assert stock() == (5, "limited")


# --- keys ---


def test_query_strings_are_cached_apart_and_their_order_does_not_matter(
    shop: Shop, django_assert_num_queries: Any
) -> None:
    for n in range(3):
        ProductFactory(shop=shop, name=f"P{n}", slug=f"p{n}")

    assert names(product_list("corner-shop", "?page_size=1")) == ["P2"]
    assert names(product_list("corner-shop", "?page_size=2")) == ["P2", "P1"]
    assert names(product_list("corner-shop", "?page_size=1&page=2")) == ["P1"]
    with django_assert_num_queries(0):
        assert APIClient().get(product_list("corner-shop", "?page=2&page_size=1")).json()["results"][0]["name"] == "P1"


def test_hosts_are_cached_apart(mug: Product) -> None:
    url = product_list("corner-shop")
    misses = queries_of(url)

    assert queries_of(url) == 0
    assert queries_of(url, APIClient(HTTP_HOST="localhost")) == misses


def test_the_date_is_in_the_key(shop: Shop, django_assert_num_queries: Any) -> None:
    ProductFactory(shop=shop, name="Until New Year", slug="until", available_to=date(2030, 12, 31))
    url = product_list("corner-shop")

    with mock.patch("django.utils.timezone.now", return_value=datetime(2030, 12, 31, 23, 59, tzinfo=UTC)):
        assert names(url) == ["Until New Year"]
        with django_assert_num_queries(0):
            APIClient().get(url)
    with mock.patch("django.utils.timezone.now", return_value=datetime(2031, 1, 1, 0, 1, tzinfo=UTC)):
        assert names(url) == []


# --- lifetime ---


def test_a_page_lives_for_storefront_cache_seconds(mug: Product, settings: Any) -> None:
    settings.STOREFRONT_CACHE_SECONDS = 1
    url = product_detail("corner-shop", "mug")
    assert read(url).json()["name"] == "Mug"
    Product.objects.filter(id=mug.id).update(name="Big Mug")  # around the services: no bump

    assert read(url).json()["name"] == "Mug"
    time.sleep(1.1)
    assert read(url).json()["name"] == "Big Mug"


def test_zero_seconds_turns_the_cache_off(mug: Product, settings: Any) -> None:
    settings.STOREFRONT_CACHE_SECONDS = 0
    url = product_detail("corner-shop", "mug")
    misses = queries_of(url)

    assert queries_of(url) == misses
    Product.objects.filter(id=mug.id).update(name="Big Mug")
    assert APIClient().get(url).json()["name"] == "Big Mug"


def at(moment: datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_a_product_that_becomes_available_at_midnight_is_not_served_stale_after_it(shop: Shop, settings: Any) -> None:
    settings.STOREFRONT_CACHE_SECONDS = 86400
    ProductFactory(shop=shop, name="Mug", slug="mug", available_from=date(2031, 1, 2))
    url = f"/api/v1/shops/slug/{shop.slug}/products/"
    with at(datetime(2031, 1, 1, 23, 59, 30, tzinfo=UTC)):
        assert read(url).json()["count"] == 0
        with mock.patch("shops.storefront_cache.cache.set") as stored:
            cache.clear()
            read(url)
        # Kept until the edge (30 s), not for the day STOREFRONT_CACHE_SECONDS allows.
        assert stored.call_args.kwargs["timeout"] == 30
        assert read(url).json()["count"] == 0
    with at(datetime(2031, 1, 2, 0, 0, 1, tzinfo=UTC)):
        assert [item["name"] for item in read(url).json()["results"]] == ["Mug"]


def test_a_page_lives_until_midnight_at_most_storefront_cache_seconds(settings: Any) -> None:
    today = date(2031, 1, 1)
    evening = datetime(2031, 1, 1, 23, 0, tzinfo=UTC)
    assert page_lifetime(today=today, now=datetime(2031, 1, 1, 12, 0, tzinfo=UTC)) == 60
    assert page_lifetime(today=today, now=datetime(2031, 1, 1, 23, 59, 50, tzinfo=UTC)) == 10
    assert page_lifetime(today=today, now=datetime(2031, 1, 2, 0, 0, 1, tzinfo=UTC)) == 0  # the day turned
    settings.STOREFRONT_CACHE_SECONDS = 86400
    assert page_lifetime(today=today, now=evening) == 3600
