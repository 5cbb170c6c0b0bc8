"""A shop's products: /api/v1/shops/<shop_id>/products/ and .../<product_id>/."""

from decimal import Decimal

import pytest

from shops.models import Category, Product, ProductStatus, Shop, StockStatus
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory
from shops.tests.snapshots import as_json, catalogue_rows

pytestmark = pytest.mark.django_db


def products_url(shop: Shop) -> str:
    return f"/api/v1/shops/{shop.id}/products/"


def product_url(product: Product) -> str:
    return f"/api/v1/shops/{product.shop_id}/products/{product.id}/"


# Create


def test_create_product_returns_it_with_both_price_vocabularies(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys")

    response = owner_client.post(
        products_url(shop),
        {
            "name": "Wooden Train",
            "sku": "TRAIN-1",
            "short_description": "Choo choo.",
            "long_description": "A train of beech wood.",
            "category_id": category.id,
            "price": "8",
            "compare_at_price": "10",
            "stock_quantity": 3,
        },
    )

    assert response.status_code == 201
    product = Product.objects.get()
    assert response.json() == {
        "id": product.id,
        "shop": shop.id,
        "name": "Wooden Train",
        "slug": "wooden-train",
        "sku": "TRAIN-1",
        "category": "Toys",
        "category_id": category.id,
        "short_description": "Choo choo.",
        "long_description": "A train of beech wood.",
        "description": "A train of beech wood.",
        "status": "active",
        "price": "8.00",
        "compare_at_price": "10.00",
        "base_price": "10.00",
        "discounted_price": "8.00",
        "currency": "USD",
        "stock_quantity": 3,
        "stock_status": "in_stock",
        "effective_stock_status": "in_stock",
        "in_stock": True,
        "available_from": None,
        "available_to": None,
        "images": [],
        "variant_types": [],
        "inventory_items": [],
        "created_at": as_json(product.created_at),
        "updated_at": as_json(product.updated_at),
    }
    assert (product.price, product.compare_at_price, product.category_id) == (
        Decimal("8"),
        Decimal("10"),
        category.id,
    )


def test_create_product_with_only_a_price_has_no_discount(owner_client, shop) -> None:
    response = owner_client.post(products_url(shop), {"name": "Mug", "price": "12.5"})

    assert response.status_code == 201
    product = Product.objects.get()
    assert response.json() == {
        "id": product.id,
        "shop": shop.id,
        "name": "Mug",
        "slug": "mug",
        "sku": "",
        "category": None,
        "category_id": None,
        "short_description": "",
        "long_description": "",
        "description": "",
        "status": "active",
        "price": "12.50",
        "compare_at_price": None,
        "base_price": "12.50",
        "discounted_price": None,
        "currency": "USD",
        "stock_quantity": 0,
        "stock_status": "in_stock",
        "effective_stock_status": "in_stock",
        "in_stock": True,
        "available_from": None,
        "available_to": None,
        "images": [],
        "variant_types": [],
        "inventory_items": [],
        "created_at": as_json(product.created_at),
        "updated_at": as_json(product.updated_at),
    }


def test_create_product_accepts_the_frontends_base_and_discounted_price(owner_client, shop) -> None:
    response = owner_client.post(
        products_url(shop), {"name": "Mug", "base_price": "10.00", "discounted_price": "8.00", "description": "Big."}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["price"], body["compare_at_price"], body["base_price"], body["discounted_price"]) == (
        "8.00",
        "10.00",
        "10.00",
        "8.00",
    )
    assert (body["long_description"], body["description"]) == ("Big.", "Big.")
    product = Product.objects.get()
    assert (product.price, product.compare_at_price, product.long_description) == (
        Decimal("8"),
        Decimal("10"),
        "Big.",
    )


def test_create_product_with_only_a_base_price_charges_the_base_price(owner_client, shop) -> None:
    response = owner_client.post(products_url(shop), {"name": "Mug", "base_price": "10", "discounted_price": None})

    assert response.status_code == 201
    product = Product.objects.get()
    assert (product.price, product.compare_at_price) == (Decimal("10"), None)
    assert (response.json()["base_price"], response.json()["discounted_price"]) == ("10.00", None)


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"base_price": "10", "discounted_price": "10"},
            {"discounted_price": ["The discounted price must be below the base price."]},
        ),
        (
            {"base_price": "10", "discounted_price": "12"},
            {"discounted_price": ["The discounted price must be below the base price."]},
        ),
        (
            {"price": "10", "compare_at_price": "10"},
            {"compare_at_price": ["The compare-at price must be higher than the price."]},
        ),
        (
            {"price": "10", "compare_at_price": "9.99"},
            {"compare_at_price": ["The compare-at price must be higher than the price."]},
        ),
        ({"price": "-1"}, {"price": ["Ensure this value is greater than or equal to 0."]}),
        ({"base_price": "-1"}, {"base_price": ["Ensure this value is greater than or equal to 0."]}),
        ({"price": "1.005"}, {"price": ["USD amounts have at most 2 decimal places."]}),
        (
            {"price": "1", "compare_at_price": "2.001"},
            {"compare_at_price": ["USD amounts have at most 2 decimal places."]},
        ),
        ({"price": "1.0001"}, {"price": ["Ensure that there are no more than 3 decimal places."]}),
        ({"price": "abc"}, {"price": ["A valid number is required."]}),
        ({}, {"price": ["This field is required."]}),
        ({"discounted_price": "5"}, {"base_price": ["This field is required."]}),
        (
            {"price": "10", "base_price": "12"},
            {"price": ["Give either price/compare_at_price or base_price/discounted_price, not both."]},
        ),
        (
            {"price": "10", "stock_quantity": -1},
            {"stock_quantity": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"price": "10", "status": "sold"}, {"status": ['"sold" is not a valid choice.']}),
    ],
)
def test_create_product_refuses_invalid_input_and_writes_nothing(owner_client, shop, payload, errors) -> None:
    before = catalogue_rows()

    response = owner_client.post(products_url(shop), {"name": "Mug", **payload})

    assert response.status_code == 400
    assert response.json() == errors
    assert catalogue_rows() == before


def test_create_product_requires_a_name(owner_client, shop) -> None:
    response = owner_client.post(products_url(shop), {"price": "1"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}
    assert Product.objects.count() == 0


def test_jpy_prices_have_no_decimals(owner_client, user) -> None:
    shop = ShopFactory(owner=user, currency="JPY")

    response = owner_client.post(products_url(shop), {"name": "Tea", "price": "1200", "compare_at_price": "1500"})

    assert response.status_code == 201
    body = response.json()
    assert (
        body["price"],
        body["compare_at_price"],
        body["base_price"],
        body["discounted_price"],
        body["currency"],
    ) == (
        "1200",
        "1500",
        "1500",
        "1200",
        "JPY",
    )


def test_jpy_prices_with_decimals_are_refused(owner_client, user) -> None:
    shop = ShopFactory(owner=user, currency="JPY")

    response = owner_client.post(products_url(shop), {"name": "Tea", "price": "1200.5"})

    assert response.status_code == 400
    assert response.json() == {"price": ["JPY amounts have at most 0 decimal places."]}
    assert Product.objects.count() == 0


def test_kwd_prices_have_three_decimals(owner_client, user) -> None:
    shop = ShopFactory(owner=user, currency="KWD")

    response = owner_client.post(products_url(shop), {"name": "Dates", "price": "1.25"})
    precise = owner_client.post(products_url(shop), {"name": "Figs", "price": "1.005"})

    assert (response.status_code, precise.status_code) == (201, 201)
    assert (response.json()["price"], precise.json()["price"]) == ("1.250", "1.005")
    assert list(Product.objects.order_by("id").values_list("price", flat=True)) == [Decimal("1.25"), Decimal("1.005")]


def test_category_given_by_name_is_created_when_new(owner_client, shop) -> None:
    response = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "category": " Kitchen Ware "})

    assert response.status_code == 201
    category = Category.objects.get()
    assert (category.shop_id, category.name, category.slug) == (shop.id, "Kitchen Ware", "kitchen-ware")
    assert (response.json()["category"], response.json()["category_id"]) == ("Kitchen Ware", category.id)
    assert Product.objects.get().category == category


def test_category_given_by_name_reuses_an_existing_one_whatever_its_case(owner_client, shop, other_shop) -> None:
    CategoryFactory(shop=other_shop, name="kitchen")
    existing = CategoryFactory(shop=shop, name="Kitchen")

    response = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "category": "KITCHEN"})

    assert response.status_code == 201
    assert (response.json()["category"], response.json()["category_id"]) == ("Kitchen", existing.id)
    assert Category.objects.filter(shop=shop).count() == 1
    assert Product.objects.get().category == existing


def test_a_blank_category_name_means_no_category(owner_client, shop) -> None:
    response = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "category": ""})

    assert response.status_code == 201
    assert (response.json()["category"], response.json()["category_id"]) == (None, None)
    assert Category.objects.count() == 0


def test_a_new_category_name_is_not_kept_when_the_product_is_refused(owner_client, shop) -> None:
    ProductFactory(shop=shop, sku="TAKEN")
    before = catalogue_rows()

    response = owner_client.post(
        products_url(shop), {"name": "Mug", "price": "5", "sku": "TAKEN", "category": "Brand New"}
    )

    assert response.status_code == 400
    assert response.json() == {"sku": ["This shop already has a product with this SKU."]}
    assert catalogue_rows() == before


def test_category_id_of_another_shop_is_refused(owner_client, shop, user) -> None:
    foreign = CategoryFactory(shop=ShopFactory(owner=user))
    before = catalogue_rows()

    response = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "category_id": foreign.id})

    assert response.status_code == 400
    assert response.json() == {"category_id": ["This shop has no category with this id."]}
    assert catalogue_rows() == before


def test_category_name_and_id_together_are_refused(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop)

    response = owner_client.post(
        products_url(shop), {"name": "Mug", "price": "5", "category_id": category.id, "category": "Other"}
    )

    assert response.status_code == 400
    assert response.json() == {"category": ["Give either category (a name) or category_id."]}
    assert Product.objects.count() == 0


def test_status_inactive_is_stored_as_draft_and_answered_as_inactive(owner_client, shop) -> None:
    response = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "status": "inactive"})

    assert response.status_code == 201
    assert response.json()["status"] == "inactive"
    assert Product.objects.get().status == ProductStatus.DRAFT


@pytest.mark.parametrize(("sent", "answered"), [("draft", "inactive"), ("active", "active"), ("archived", "archived")])
def test_status_is_answered_in_the_dashboards_words(owner_client, shop, sent, answered) -> None:
    product = ProductFactory(shop=shop)

    patched = owner_client.patch(product_url(product), {"status": sent})

    assert (patched.status_code, patched.json()["status"]) == (200, answered)
    assert owner_client.get(product_url(product)).json()["status"] == answered
    assert [p["status"] for p in owner_client.get(products_url(shop)).json()] == [answered]


@pytest.mark.parametrize("word", ["inactive", "draft"])
def test_status_filter_takes_inactive_and_draft(owner_client, shop, word) -> None:
    ProductFactory(shop=shop, slug="on", status=ProductStatus.ACTIVE)
    off = ProductFactory(shop=shop, slug="off", status=ProductStatus.DRAFT)

    listed = owner_client.get(products_url(shop), {"status": word}).json()

    assert [(p["id"], p["status"]) for p in listed] == [(off.id, "inactive")]


def test_sku_is_unique_per_shop(owner_client, shop, other_shop) -> None:
    ProductFactory(shop=shop, sku="MUG-1")
    ProductFactory(shop=other_shop, sku="MUG-2")
    before = catalogue_rows()

    refused = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "sku": "MUG-1"})
    assert refused.status_code == 400
    assert refused.json() == {"sku": ["This shop already has a product with this SKU."]}
    assert catalogue_rows() == before

    # Another shop's SKU is free here.
    allowed = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "sku": "MUG-2"})
    assert allowed.status_code == 201
    assert Product.objects.filter(sku="MUG-2").count() == 2


def test_sku_taken_with_an_explicit_slug_is_refused(owner_client, shop) -> None:
    ProductFactory(shop=shop, sku="MUG-1")
    before = catalogue_rows()

    response = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "sku": "MUG-1", "slug": "mug"})

    assert response.status_code == 400
    assert response.json() == {"sku": ["This shop already has a product with this SKU."]}
    assert catalogue_rows() == before


def test_an_empty_sku_may_be_used_by_many_products(owner_client, shop) -> None:
    first = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "sku": ""})
    second = owner_client.post(products_url(shop), {"name": "Cup", "price": "5"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert list(Product.objects.order_by("id").values_list("sku", flat=True)) == ["", ""]


def test_generated_product_slugs_are_numbered_within_the_shop(owner_client, shop, other_shop) -> None:
    ProductFactory(shop=other_shop, slug="mug-3")

    slugs = [owner_client.post(products_url(shop), {"name": "Mug", "price": "5"}).json()["slug"] for _ in range(3)]

    assert slugs == ["mug", "mug-2", "mug-3"]
    assert list(Product.objects.filter(shop=shop).order_by("id").values_list("slug", flat=True)) == slugs


def test_a_product_name_of_only_symbols_gets_the_slug_product(owner_client, shop) -> None:
    response = owner_client.post(products_url(shop), {"name": "★", "price": "5"})

    assert response.status_code == 201
    assert response.json()["slug"] == "product"


def test_an_explicit_product_slug_is_normalised(owner_client, shop) -> None:
    response = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "slug": "Big Кружка"})

    assert response.status_code == 201
    assert response.json()["slug"] == "big-kruzhka"


def test_an_explicit_product_slug_taken_in_the_shop_is_refused(owner_client, shop, other_shop) -> None:
    ProductFactory(shop=shop, slug="mug")
    ProductFactory(shop=other_shop, slug="cup")
    before = catalogue_rows()

    refused = owner_client.post(products_url(shop), {"name": "Mug", "price": "5", "slug": "MUG"})
    assert refused.status_code == 400
    assert refused.json() == {"slug": ["This shop already has a product with this slug."]}
    assert catalogue_rows() == before

    allowed = owner_client.post(products_url(shop), {"name": "Cup", "price": "5", "slug": "cup"})
    assert allowed.status_code == 201


def test_create_product_ignores_shop_and_read_only_fields_in_the_payload(owner_client, shop, other_shop) -> None:
    response = owner_client.post(
        products_url(shop),
        {"name": "Mug", "price": "5", "shop": other_shop.id, "shop_id": other_shop.id, "id": 9999, "in_stock": True},
    )

    assert response.status_code == 201
    product = Product.objects.get()
    assert (product.shop_id, product.stock_quantity) == (shop.id, 0)
    assert product.id != 9999
    # in_stock is computed: an untracked product (the default stock_status) is always in stock.
    assert (response.json()["shop"], response.json()["in_stock"]) == (shop.id, True)


# Read, update, delete


def test_get_product_returns_it(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys")
    product = ProductFactory(
        shop=shop,
        category=category,
        name="Train",
        slug="train",
        sku="T-1",
        status=ProductStatus.DRAFT,
        price=Decimal("4.5"),
        stock_status=StockStatus.LIMITED,
        stock_quantity=0,
    )

    response = owner_client.get(product_url(product))

    assert response.status_code == 200
    product.refresh_from_db()
    assert response.json() == {
        "id": product.id,
        "shop": shop.id,
        "name": "Train",
        "slug": "train",
        "sku": "T-1",
        "category": "Toys",
        "category_id": category.id,
        "short_description": "",
        "long_description": "",
        "description": "",
        "status": "inactive",
        "price": "4.50",
        "compare_at_price": None,
        "base_price": "4.50",
        "discounted_price": None,
        "currency": "USD",
        "stock_quantity": 0,
        "stock_status": "limited",
        "effective_stock_status": "out_of_stock",
        "in_stock": False,
        "available_from": None,
        "available_to": None,
        "images": [],
        "variant_types": [],
        "inventory_items": [],
        "created_at": as_json(product.created_at),
        "updated_at": as_json(product.updated_at),
    }


def test_patch_product_changes_only_the_given_fields(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys")
    product = ProductFactory(
        shop=shop,
        category=category,
        name="Train",
        slug="train",
        sku="T-1",
        short_description="Short.",
        long_description="Long.",
        price=Decimal("8"),
        compare_at_price=Decimal("10"),
        stock_status=StockStatus.LIMITED,
        stock_quantity=4,
    )

    response = owner_client.patch(product_url(product), {"stock_quantity": 0})

    assert response.status_code == 200
    assert Product.objects.filter(id=product.id).values(
        "name",
        "slug",
        "sku",
        "short_description",
        "long_description",
        "status",
        "price",
        "compare_at_price",
        "stock_quantity",
        "category_id",
    ).get() == {
        "name": "Train",
        "slug": "train",
        "sku": "T-1",
        "short_description": "Short.",
        "long_description": "Long.",
        "status": "active",
        "price": Decimal("8"),
        "compare_at_price": Decimal("10"),
        "stock_quantity": 0,
        "category_id": category.id,
    }
    assert (response.json()["stock_quantity"], response.json()["in_stock"]) == (0, False)


def test_patch_product_name_keeps_its_slug(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, name="Train", slug="train")

    response = owner_client.patch(product_url(product), {"name": "Steam Train"})

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["slug"]) == ("Steam Train", "train")


def test_patch_product_with_an_empty_slug_makes_it_from_the_name(owner_client, shop) -> None:
    ProductFactory(shop=shop, slug="steam-train")
    product = ProductFactory(shop=shop, name="Steam Train", slug="old")

    response = owner_client.patch(product_url(product), {"slug": ""})

    assert response.status_code == 200
    assert response.json()["slug"] == "steam-train-2"
    assert Product.objects.get(id=product.id).slug == "steam-train-2"


def test_patch_product_may_keep_its_own_slug_and_sku(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, slug="train", sku="T-1")

    response = owner_client.patch(product_url(product), {"slug": "train", "sku": "T-1", "name": "Train"})

    assert response.status_code == 200
    assert (response.json()["slug"], response.json()["sku"]) == ("train", "T-1")


def test_patch_product_refuses_the_sku_and_slug_of_another_product(owner_client, shop) -> None:
    ProductFactory(shop=shop, slug="taken", sku="TAKEN")
    product = ProductFactory(shop=shop, slug="train", sku="T-1")
    before = catalogue_rows()

    response = owner_client.patch(product_url(product), {"slug": "taken", "sku": "TAKEN"})

    assert response.status_code == 400
    assert response.json() == {
        "slug": ["This shop already has a product with this slug."],
        "sku": ["This shop already has a product with this SKU."],
    }
    assert catalogue_rows() == before


def test_patch_product_price_must_stay_below_the_compare_at_price(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("8"), compare_at_price=Decimal("10"))
    before = catalogue_rows()

    response = owner_client.patch(product_url(product), {"price": "10"})

    assert response.status_code == 400
    assert response.json() == {"compare_at_price": ["The compare-at price must be higher than the price."]}
    assert catalogue_rows() == before


def test_patch_product_base_price_keeps_the_current_discount(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("8"), compare_at_price=Decimal("10"))

    response = owner_client.patch(product_url(product), {"base_price": "12"})

    assert response.status_code == 200
    assert (response.json()["base_price"], response.json()["discounted_price"]) == ("12.00", "8.00")
    product.refresh_from_db()
    assert (product.price, product.compare_at_price) == (Decimal("8"), Decimal("12"))


def test_patch_product_discounted_price_null_removes_the_discount(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("8"), compare_at_price=Decimal("10"))

    response = owner_client.patch(product_url(product), {"discounted_price": None})

    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.price, product.compare_at_price) == (Decimal("10"), None)


def test_patch_product_discounted_price_on_a_full_price_product_is_set_below_it(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("10"))

    response = owner_client.patch(product_url(product), {"discounted_price": "7.5"})

    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.price, product.compare_at_price) == (Decimal("7.5"), Decimal("10"))


def test_patch_product_category_null_removes_the_category(owner_client, shop) -> None:
    product = ProductFactory(shop=shop, category=CategoryFactory(shop=shop))

    response = owner_client.patch(product_url(product), {"category_id": None})

    assert response.status_code == 200
    assert (response.json()["category"], response.json()["category_id"]) == (None, None)
    assert Product.objects.get(id=product.id).category_id is None


def test_patch_product_category_by_name(owner_client, shop) -> None:
    product = ProductFactory(shop=shop)

    response = owner_client.patch(product_url(product), {"category": "Garden"})

    assert response.status_code == 200
    category = Category.objects.get(shop=shop)
    assert category.name == "Garden"
    assert Product.objects.get(id=product.id).category_id == category.id


def test_patch_product_status_inactive_is_draft(owner_client, shop) -> None:
    product = ProductFactory(shop=shop)

    response = owner_client.patch(product_url(product), {"status": "inactive"})

    assert (response.status_code, response.json()["status"]) == (200, "inactive")
    assert Product.objects.get(id=product.id).status == ProductStatus.DRAFT


def test_put_product_sets_the_given_fields(owner_client, shop) -> None:
    category = CategoryFactory(shop=shop, name="Toys")
    product = ProductFactory(shop=shop, name="Train", slug="train", sku="T-1", price=Decimal("8"))

    response = owner_client.put(
        product_url(product),
        {
            "name": "Plane",
            "slug": "plane",
            "sku": "P-1",
            "short_description": "Zoom.",
            "long_description": "A wooden plane.",
            "category_id": category.id,
            "status": "archived",
            "price": "20",
            "compare_at_price": "25",
            "stock_quantity": 7,
        },
    )

    assert response.status_code == 200
    product.refresh_from_db()
    assert response.json() == {
        "id": product.id,
        "shop": shop.id,
        "name": "Plane",
        "slug": "plane",
        "sku": "P-1",
        "category": "Toys",
        "category_id": category.id,
        "short_description": "Zoom.",
        "long_description": "A wooden plane.",
        "description": "A wooden plane.",
        "status": "archived",
        "price": "20.00",
        "compare_at_price": "25.00",
        "base_price": "25.00",
        "discounted_price": "20.00",
        "currency": "USD",
        "stock_quantity": 7,
        "stock_status": "in_stock",
        "effective_stock_status": "in_stock",
        "in_stock": True,
        "available_from": None,
        "available_to": None,
        "images": [],
        "variant_types": [],
        "inventory_items": [],
        "created_at": as_json(product.created_at),
        "updated_at": as_json(product.updated_at),
    }


def test_put_product_requires_a_name(owner_client, shop) -> None:
    product = ProductFactory(shop=shop)
    before = catalogue_rows()

    response = owner_client.put(product_url(product), {"price": "3"})

    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}
    assert catalogue_rows() == before


def test_delete_product_removes_only_it(owner_client, shop) -> None:
    product = ProductFactory(shop=shop)
    kept = ProductFactory(shop=shop)

    response = owner_client.delete(product_url(product))

    assert response.status_code == 204
    assert response.content == b""
    assert list(Product.objects.values_list("id", flat=True)) == [kept.id]


def test_a_product_of_another_shop_of_the_same_owner_is_404_under_this_shop(owner_client, shop, user) -> None:
    product = ProductFactory(shop=ShopFactory(owner=user), name="Train")
    before = catalogue_rows()
    wrong_url = f"/api/v1/shops/{shop.id}/products/{product.id}/"

    responses = [
        owner_client.get(wrong_url),
        owner_client.patch(wrong_url, {"name": "Hijacked"}),
        owner_client.put(wrong_url, {"name": "Hijacked", "price": "1"}),
        owner_client.delete(wrong_url),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert [r.json() for r in responses] == [{"detail": "Not found."}] * 4
    assert catalogue_rows() == before


def test_a_new_category_name_whose_slug_is_taken_gets_a_numbered_slug(owner_client, shop) -> None:
    existing = CategoryFactory(shop=shop, name="Shoes", slug="shoes")

    response = owner_client.post(products_url(shop), {"name": "Boot", "price": "5", "category": "Shoes!"})

    assert response.status_code == 201
    created = Category.objects.exclude(id=existing.id).get()
    assert (created.name, created.slug) == ("Shoes!", "shoes-2")
    assert (response.json()["category"], response.json()["category_id"]) == ("Shoes!", created.id)
