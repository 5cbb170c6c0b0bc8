"""The existing frontend's calls, replayed as it makes them (the `auth_token` cookie its server set after a
login, sent by the browser from the frontend's origin with no CSRF header; the exact bodies of the
dashboard's pages), and the defects of the old backend (FRONTEND-API.md section 5) that these endpoints fix,
each by number."""

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD
from shops.models import Product, ProductInventoryItem, ProductStatus, ProductVariantOption, Shop, StockStatus
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory
from shops.tests.test_query_counts import stock
from shops.tests.test_variants_sync import variant_rows

pytestmark = pytest.mark.django_db


class Browser:
    """The frontend in a browser. Its server logs in with JSON `{identifier, password}` (no `cookie` flag),
    keeps the token in the httpOnly `auth_token` cookie of its host, and the browser sends that cookie to the
    API on the same host with `credentials: 'include'`: Origin the frontend's, `Sec-Fetch-Site: same-site`,
    no CSRF header, never `auth/csrf/`."""

    def __init__(self, user: User, *, origin: str | None = None) -> None:
        self.client = APIClient(enforce_csrf_checks=True)
        login = APIClient().post("/api/v1/auth/login/", {"identifier": user.username, "password": PASSWORD})
        assert login.status_code == 200
        self.client.cookies["auth_token"] = login.json()["token"]
        self.headers: dict[str, Any] = {
            "HTTP_ORIGIN": origin or settings.FRONTEND_URL,
            "HTTP_SEC_FETCH_SITE": "same-site",
        }

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/{path}", params, **self.headers)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return getattr(self.client, method)(f"/api/v1/{path}", body, format="json", **self.headers)


@pytest.fixture
def browser(user: User) -> Browser:
    return Browser(user)


# The dashboard, page by page


def test_new_shop_page_then_sidebar_and_plan_meter(browser, user) -> None:
    created = browser.send("post", "shops/", {"name": "Tee Time"})

    assert created.status_code == 201
    shop = Shop.objects.get()
    assert created.json()["slug"] == "tee-time"
    assert browser.get(f"shops/{shop.id}/").json() == created.json()
    assert browser.get(f"shops/{shop.id}/products/").json() == []
    assert browser.get("auth/plan/").json() == {
        "plan": "free",
        "limits": {"max_shops": 1, "max_products_per_shop": 20},
        "usage": {"shops": 1, "products_per_shop": {str(shop.id): 0}},
    }


def editor_body(**changes: Any) -> dict[str, Any]:
    """What ProductEditor.tsx sends on save."""
    return {
        "name": "Classic Tee",
        "slug": "classic-tee",
        "sku": "TEE-1",
        "short_description": "Soft cotton.",
        "long_description": "A classic tee of organic cotton.",
        "category": "Tees",
        "status": "active",
        "base_price": "25.00",
        "discounted_price": "20.00",
        "currency": "USD",
        "stock_quantity": 0,
        "stock_status": "limited",
        "available_from": None,
        "available_to": None,
        "variant_types": [
            {"name": "Size", "options": [{"name": "S"}, {"name": "M"}, {"name": "L"}]},
            {"name": "Color", "options": [{"name": "Red"}, {"name": "Blue"}]},
        ],
        **changes,
    }


def test_product_editor_then_inventory_page_then_storefront(browser, api_client, user) -> None:
    shop = ShopFactory(owner=user, slug="tee-time")

    created = browser.send("post", f"shops/{shop.id}/products/", editor_body())
    assert created.status_code == 201, created.json()
    product = created.json()
    assert (product["category"], product["base_price"], product["discounted_price"], product["price"]) == (
        "Tees",
        "25.00",
        "20.00",
        "20.00",
    )
    assert (product["stock_status"], product["effective_stock_status"], product["in_stock"]) == (
        "limited",
        "out_of_stock",
        False,
    )
    size, color = product["variant_types"]
    assert [o["name"] for o in size["options"]] == ["S", "M", "L"]

    # The inventory page: the cartesian product of options, built from the ids, one combination inactive.
    combos = list(itertools.product(size["options"], color["options"]))
    items = [
        {
            "sku": f"TEE-1-{s['name']}-{c['name']}",
            "stock_quantity": 5,
            "price_override": "22.00" if s["name"] == "L" else None,
            "is_active": (s["name"], c["name"]) != ("S", "Blue"),
            "options": [
                {"variant_type_id": size["id"], "variant_option_id": s["id"]},
                {"variant_type_id": color["id"], "variant_option_id": c["id"]},
            ],
        }
        for s, c in combos
    ]
    patched = browser.send("patch", f"shops/{shop.id}/products/{product['id']}/", {"inventory_items": items})

    assert patched.status_code == 200, patched.json()
    body = patched.json()
    assert [item["option_label"] for item in body["inventory_items"]] == [
        f"Size: {s['name']} / Color: {c['name']}" for s, c in combos
    ]
    assert [item["calculated_price"] for item in body["inventory_items"]] == ["20.00"] * 4 + ["22.00"] * 2
    assert [item["is_default"] for item in body["inventory_items"]] == [True] + [False] * 5
    assert (body["stock_quantity"], body["effective_stock_status"], body["in_stock"]) == (25, "limited", True)
    # The inventory page keeps only stock_status == 'limited': still listed.
    listed = browser.get(f"shops/{shop.id}/products/").json()
    assert [p["id"] for p in listed if p["stock_status"] == "limited"] == [product["id"]]

    # The storefront's product page.
    page = api_client.get("/api/v1/shops/slug/tee-time/products/classic-tee/")
    assert page.status_code == 200
    public_items = page.json()["inventory_items"]
    rows = list(ProductInventoryItem.objects.filter(is_active=True).order_by("position"))
    active = [(s, c) for s, c in combos if (s["name"], c["name"]) != ("S", "Blue")]
    assert public_items == [
        {
            "id": row.id,
            "is_default": row.is_default,
            "is_available": True,
            "price": "22.00" if s["name"] == "L" else "20.00",
            "currency": "USD",
            "stock_quantity": 99,
            "option_label": f"Size: {s['name']} / Color: {c['name']}",
            "options": [
                {
                    "variant_type_id": size["id"],
                    "variant_type_name": "Size",
                    "variant_option_id": s["id"],
                    "variant_option_name": s["name"],
                },
                {
                    "variant_type_id": color["id"],
                    "variant_type_name": "Color",
                    "variant_option_id": c["id"],
                    "variant_option_name": c["name"],
                },
            ],
        }
        for row, (s, c) in zip(rows, active, strict=True)
    ]
    assert page.json()["variant_types"] == body["variant_types"]


def test_inventory_page_patches_a_simple_product_and_the_products_page_toggles_status(
    browser, api_client, user
) -> None:
    shop = ShopFactory(owner=user)
    product = ProductFactory(shop=shop, slug="mug", stock_status=StockStatus.IN_STOCK, stock_quantity=0)
    url = f"shops/{shop.id}/products/{product.id}/"

    stocked = browser.send("patch", url, {"stock_quantity": 7, "stock_status": "limited"})
    hidden = browser.send("patch", url, {"status": "inactive"})

    assert stocked.status_code == 200
    assert (stocked.json()["stock_quantity"], stocked.json()["stock_status"], stocked.json()["in_stock"]) == (
        7,
        "limited",
        True,
    )
    assert (hidden.status_code, hidden.json()["status"]) == (200, "inactive")
    assert api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/mug/").status_code == 404
    shown = browser.send("patch", url, {"status": "active"})
    assert shown.json()["status"] == "active"
    assert api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/mug/").status_code == 200


def test_manage_page_saves_settings_and_the_contact_page_reads_them(browser, api_client, user) -> None:
    shop = ShopFactory(owner=user, slug="corner")
    toys, books = CategoryFactory(shop=shop, name="Toys", slug="toys"), CategoryFactory(shop=shop, name="Books")

    response = browser.send(
        "patch",
        f"shops/{shop.id}/",
        {
            "name": "Corner Shop",
            "slug": "corner",
            "heading": "Open daily",
            "description": "Toys and books.",
            "featured_category_1": toys.id,
            "featured_category_2": books.id,
            "featured_category_3": None,
            "currency": "EUR",
            "contact_email": "hi@corner.example",
            "contact_phone": "+33 1 23 45 67 89",
            "contact_website": "https://corner.example",
            "contact_address": "2 Rue Exemple, Paris",
        },
    )

    assert response.status_code == 200
    public = api_client.get("/api/v1/shops/slug/corner/").json()
    assert [c["slug"] for c in public["featured_categories"]] == ["toys", books.slug]
    assert (public["contact_email"], public["contact_phone"], public["contact_website"], public["contact_address"]) == (
        "hi@corner.example",
        "+33 1 23 45 67 89",
        "https://corner.example",
        "2 Rue Exemple, Paris",
    )
    assert (public["heading"], public["currency"]) == ("Open daily", "EUR")


def test_cookie_calls_from_another_origin_or_without_origin_and_token_change_nothing(user) -> None:
    shop = ShopFactory(owner=user)
    foreign = Browser(user, origin="http://127.0.0.1:9999")
    bare = Browser(user)
    bare.headers = {}

    from_foreign = foreign.send("patch", f"shops/{shop.id}/", {"name": "Hacked"})
    from_nowhere = bare.send("patch", f"shops/{shop.id}/", {"name": "Hacked"})

    assert (from_foreign.status_code, from_foreign.json()) == (
        403,
        {"detail": "CSRF Failed: Origin checking failed - http://127.0.0.1:9999 does not match any trusted origins."},
    )
    assert (from_nowhere.status_code, from_nowhere.json()) == (403, {"detail": "CSRF Failed: CSRF cookie not set."})
    assert Shop.objects.get().name == shop.name


# Defects of the old backend (FRONTEND-API.md section 5)


def test_defect_12_storefront_hides_inactive_unavailable_products_skus_and_exact_stock(api_client, shop) -> None:
    today = timezone.localdate()
    ProductFactory(shop=shop, slug="on-sale", sku="SECRET-1", stock_status=StockStatus.LIMITED, stock_quantity=3)
    ProductFactory(shop=shop, slug="draft", status=ProductStatus.DRAFT)
    ProductFactory(shop=shop, slug="future", available_from=today + timedelta(days=1))
    ProductFactory(shop=shop, slug="past", available_to=today - timedelta(days=1))
    ProductFactory(shop=shop, slug="window", available_from=today, available_to=today)
    on_sale = Product.objects.get(slug="on-sale")
    ProductInventoryItem.objects.create(product=on_sale, sku="SECRET-ITEM", stock_quantity=3, is_default=True)
    ProductInventoryItem.objects.create(product=on_sale, option_key="x", sku="HIDDEN", is_active=False)

    listed = api_client.get(f"/api/v1/shops/slug/{shop.slug}/").json()["products"]
    detail = api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/on-sale/").json()

    assert sorted(p["slug"] for p in listed) == ["on-sale", "window"]
    for slug in ("draft", "future", "past"):
        assert api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/{slug}/").status_code == 404
    text = str(listed) + str(detail)
    assert "SECRET" not in text
    assert "HIDDEN" not in text
    assert "sku" not in detail
    assert "status" not in detail
    # Not the exact 3: the capped value that says only "buyable" (HIDDEN_STOCK_QUANTITY).
    assert (detail["stock_quantity"], detail["inventory_items"][0]["stock_quantity"]) == (99, 99)
    assert [set(item) for item in detail["inventory_items"]] == [
        {"id", "is_default", "is_available", "price", "currency", "stock_quantity", "option_label", "options"}
    ]
    # The shop may choose to show exact stock.
    Shop.objects.filter(id=shop.id).update(show_stock_quantity=True)
    shown = api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/on-sale/").json()
    assert (shown["stock_quantity"], shown["inventory_items"][0]["stock_quantity"]) == (3, 3)


def test_defect_14_a_refused_product_create_writes_nothing(owner_client, shop) -> None:
    before = variant_rows()
    categories = list(shop.categories.values_list("id", flat=True))

    four_types = owner_client.post(
        f"/api/v1/shops/{shop.id}/products/",
        editor_body(variant_types=[{"name": n, "options": [{"name": "x"}]} for n in "ABCD"]),
        format="json",
    )
    duplicate_options = owner_client.post(
        f"/api/v1/shops/{shop.id}/products/",
        editor_body(variant_types=[{"name": "Size", "options": [{"name": "M"}, {"name": "m"}]}]),
        format="json",
    )

    assert (four_types.status_code, duplicate_options.status_code) == (400, 400)
    assert four_types.json() == {"variant_types": ["A product can have at most 3 variant types."]}
    assert variant_rows() == before
    # Not even the category named in the body was created.
    assert list(shop.categories.values_list("id", flat=True)) == categories


def test_defect_15_unicode_names_get_real_slugs_and_collisions_get_suffixes(owner_client, shop) -> None:
    first = owner_client.post(f"/api/v1/shops/{shop.id}/products/", {"name": "Футболка", "price": "5"})
    second = owner_client.post(f"/api/v1/shops/{shop.id}/products/", {"name": "футболка", "price": "5"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["slug"], second.json()["slug"]) == ("futbolka", "futbolka-2")


def test_defect_16_stock_status_follows_the_inventory_both_ways(owner_client, shop) -> None:
    created = owner_client.post(
        f"/api/v1/shops/{shop.id}/products/",
        {**editor_body(variant_types=[{"name": "Size", "options": [{"name": "M"}]}]), "inventory_items": []},
        format="json",
    ).json()
    size = created["variant_types"][0]
    item = {"options": [{"variant_type_id": size["id"], "variant_option_id": size["options"][0]["id"]}]}
    url = f"/api/v1/shops/{shop.id}/products/{created['id']}/"

    sold_out = owner_client.patch(url, {"inventory_items": [{**item, "stock_quantity": 0}]}, format="json").json()
    restocked = owner_client.patch(url, {"inventory_items": [{**item, "stock_quantity": 4}]}, format="json").json()

    assert (sold_out["stock_status"], sold_out["effective_stock_status"], sold_out["in_stock"]) == (
        "limited",
        "out_of_stock",
        False,
    )
    assert (restocked["stock_status"], restocked["effective_stock_status"], restocked["in_stock"]) == (
        "limited",
        "limited",
        True,
    )
    assert Product.objects.get().stock_status == StockStatus.LIMITED


def test_defect_18_prices_shown_are_the_prices_charged_and_bad_prices_are_refused(
    owner_client, api_client, shop
) -> None:
    free = owner_client.post(
        f"/api/v1/shops/{shop.id}/products/",
        {"name": "Sample", "slug": "sample", "base_price": "4.00", "discounted_price": "0", "inventory_items": [{}]},
        format="json",
    )
    before = variant_rows()
    refused = [
        owner_client.post(f"/api/v1/shops/{shop.id}/products/", body, format="json")
        for body in (
            {"name": "A", "base_price": "-1"},
            {"name": "B", "base_price": "5", "discounted_price": "6"},
            {"name": "C", "price": "5", "inventory_items": [{"price_override": "-0.01"}]},
            {"name": "D", "price": "5", "currency": "EUR"},
        )
    ]

    assert free.status_code == 201
    page = api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/sample/").json()
    assert (page["price"], page["discounted_price"], page["base_price"]) == ("0.00", "0.00", "4.00")
    assert page["inventory_items"][0]["price"] == "0.00"
    assert [response.status_code for response in refused] == [400, 400, 400, 400]
    assert refused[3].json() == {"currency": ["Products are priced in the shop's currency, USD."]}
    assert variant_rows() == before


def test_defect_21_a_product_under_another_shop_id_is_404(owner_client, user) -> None:
    user.account_type = "pro"
    user.save(update_fields=["account_type"])
    first, second = ShopFactory(owner=user), ShopFactory(owner=user)
    product = ProductFactory(shop=first)
    category = CategoryFactory(shop=first)
    before = variant_rows()

    responses = [
        owner_client.get(f"/api/v1/shops/{second.id}/products/{product.id}/"),
        owner_client.patch(f"/api/v1/shops/{second.id}/products/{product.id}/", {"name": "X"}, format="json"),
        owner_client.delete(f"/api/v1/shops/{second.id}/products/{product.id}/"),
        owner_client.get(f"/api/v1/shops/{second.id}/categories/{category.id}/"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert variant_rows() == before


@pytest.mark.parametrize("count", [1, 30])
def test_defect_23_shop_page_with_featured_categories_and_variants_has_no_n_plus_1(
    api_client, shop, django_assert_num_queries, count
) -> None:
    products = stock(shop, count)
    Shop.objects.filter(id=shop.id).update(
        featured_category_1=products[0].category, featured_category_2=products[-1].category
    )

    # Shop with its featured categories, products (with whether they have variants), primary photos: grid
    # cards, whose variants are on each product's page.
    with django_assert_num_queries(2):
        response = api_client.get(f"/api/v1/shops/slug/{shop.slug}/")

    assert len(response.json()["featured_categories"]) == (1 if count == 1 else 2)
    assert [p["has_variants"] for p in response.json()["products"]] == [True] * count


def test_defect_23_option_labels_are_never_stale(owner_client, shop) -> None:
    [product] = stock(shop, 1)
    ProductVariantOption.objects.filter(variant_type__product=product, name="M").update(name="Medium")

    body = owner_client.get(f"/api/v1/shops/{shop.id}/products/{product.id}/").json()

    assert [item["option_label"] for item in body["inventory_items"]] == [
        "Size: S / Color: Red",
        "Size: S / Color: Blue",
        "Size: Medium / Color: Red",
        "Size: Medium / Color: Blue",
    ]
    assert body["stock_quantity"] == product.stock_quantity
    assert Decimal(body["price"]) == product.price


def test_defect_24_the_shop_page_is_capped_and_the_paginated_list_has_the_rest(api_client, shop, settings) -> None:
    settings.STOREFRONT_SHOP_PAGE_PRODUCTS = 2
    ProductFactory.create_batch(3, shop=shop)

    page = api_client.get(f"/api/v1/shops/slug/{shop.slug}/")
    listed = api_client.get(f"/api/v1/shops/slug/{shop.slug}/products/", {"page_size": 2, "page": 2})

    assert len(page.json()["products"]) == 2
    assert (listed.json()["count"], len(listed.json()["results"])) == (3, 1)
