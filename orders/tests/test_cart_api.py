"""The cart as the storefront calls it: add, merge, variants kept apart, stock checks, availability, change
and remove lines; a converted cart shows nothing."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from images.storage import object_url
from orders.models import Cart, CartItem, CartStatus
from orders.tests.endpoints import add_url, cart_url, line_url
from orders.tests.factories import CartFactory, CartItemFactory
from orders.tests.snapshots import commerce_rows
from shops.models import ProductImage, ProductStatus
from shops.tests.factories import (
    ProductFactory,
    ProductImageFactory,
    VariantOptionFactory,
    VariantTypeFactory,
    variant_product,
)
from shops.tests.snapshots import as_json

pytestmark = pytest.mark.django_db


def cart_body(cart: Cart, items: list[dict[str, Any]], *, subtotal: str, total_items: int) -> dict[str, Any]:
    cart.refresh_from_db()
    return {
        "token": cart.token,
        "status": cart.status,
        "shop_slug": cart.shop.slug,
        "currency": cart.shop.currency,
        "subtotal_amount": subtotal,
        "total_items": total_items,
        "customer_name": "",
        "customer_email": "",
        "customer_phone": "",
        "notes": "",
        "shipping_address": {},
        "items": items,
        "created_at": as_json(cart.created_at),
        "updated_at": as_json(cart.updated_at),
    }


def line_body(line: CartItem, *, unit_price: str, subtotal: str, options=(), label="", image=None) -> dict[str, Any]:
    return {
        "id": line.id,
        "product_id": line.product_id,
        "product_slug": line.product.slug,
        "product_name": line.product.name,
        "quantity": line.quantity,
        "unit_price": unit_price,
        "subtotal_amount": subtotal,
        "currency": "USD",
        "option_label": label,
        "options": list(options),
        "product_image": image,
        "inventory_item_id": line.inventory_item_id,
    }


def option(variant_type, variant_option) -> dict[str, Any]:
    return {
        "variant_type_id": variant_type.id,
        "variant_type_name": variant_type.name,
        "variant_option_id": variant_option.id,
        "variant_option_name": variant_option.name,
    }


def test_frontend_add_to_cart_call_creates_a_cart_with_the_exact_body(api_client, shop) -> None:
    product, types, options, items = variant_product(shop=shop, name="Tee", slug="tee", price=Decimal("20.00"))
    item = items[("M", "Red")]
    item.price_override = Decimal("22.50")
    item.save()
    image = ProductImage.objects.create(
        product=product,
        image="products/tee.jpg",
        alt_text="A tee",
        position=0,
        width=1,
        height=1,
        content_type="image/jpeg",
        size=1,
    )
    body = {
        "product_id": product.id,
        "quantity": 2,
        "inventory_item_id": item.id,
        "options": [
            {"variant_type_id": types["Size"].id, "variant_option_id": options["M"].id},
            {"variant_type_id": types["Colour"].id, "variant_option_id": options["Red"].id},
        ],
    }

    response = api_client.post(add_url(shop.slug), body, format="json")

    assert response.status_code == 201
    cart = Cart.objects.get()
    line = CartItem.objects.get()
    assert len(cart.token) == 43
    assert (line.product_id, line.inventory_item_id, line.option_key, line.quantity) == (product.id, item.id, "", 2)
    assert response.json() == cart_body(
        cart,
        [
            line_body(
                line,
                unit_price="22.50",
                subtotal="45.00",
                options=[option(types["Size"], options["M"]), option(types["Colour"], options["Red"])],
                label="Size: M / Colour: Red",
                image={"id": image.id, "url": object_url(image.image.name or ""), "alt_text": "A tee"},
            )
        ],
        subtotal="45.00",
        total_items=2,
    )


def test_adding_the_same_variant_again_merges_into_its_line_with_200(api_client, shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("10.00"))
    first = api_client.post(add_url(shop.slug), {"product_id": product.id}, format="json")
    token = first.json()["token"]

    response = api_client.post(
        add_url(shop.slug), {"cart_token": token, "product_slug": product.slug, "quantity": 3}, format="json"
    )

    assert first.status_code == 201
    assert response.status_code == 200
    line = CartItem.objects.get()
    assert line.quantity == 4
    assert response.json()["items"] == [line_body(line, unit_price="10.00", subtotal="40.00")]
    assert (response.json()["total_items"], response.json()["subtotal_amount"]) == (4, "40.00")


def test_options_of_a_product_without_inventory_items_make_separate_lines(api_client, shop) -> None:
    """Defect §3.8: adding S then M merged into one line labelled M."""
    product = ProductFactory(shop=shop, price=Decimal("8.00"), stock_status="in_stock")
    size = VariantTypeFactory(product=product, name="Size")
    small = VariantOptionFactory(variant_type=size, name="S", position=0)
    medium = VariantOptionFactory(variant_type=size, name="M", position=1)
    token = api_client.post(
        add_url(shop.slug),
        {"product_id": product.id, "options": [{"type_id": size.id, "option_id": small.id}]},
        format="json",
    ).json()["token"]

    response = api_client.post(
        add_url(shop.slug),
        {
            "cart_token": token,
            "product_id": product.id,
            "options": [{"variant_type": size.id, "variant_option": medium.id}],
        },
        format="json",
    )

    assert response.status_code == 201
    assert [(line.option_key, line.quantity) for line in CartItem.objects.order_by("id")] == [
        (str(small.id), 1),
        (str(medium.id), 1),
    ]
    assert [(item["option_label"], item["options"]) for item in response.json()["items"]] == [
        ("Size: S", [option(size, small)]),
        ("Size: M", [option(size, medium)]),
    ]


def test_options_pick_the_inventory_item_of_that_combination(api_client, shop) -> None:
    product, types, options, items = variant_product(shop=shop)
    body = {
        "product_id": product.id,
        "options": [
            {"variant_type_id": types["Colour"].id, "variant_option_id": options["Blue"].id},
            {"variant_type_id": types["Size"].id, "variant_option_id": options["S"].id},
        ],
    }

    response = api_client.post(add_url(shop.slug), body, format="json")

    assert response.status_code == 201
    assert CartItem.objects.get().inventory_item_id == items[("S", "Blue")].id
    assert response.json()["items"][0]["option_label"] == "Size: S / Colour: Blue"


@pytest.mark.parametrize(
    ("choice", "error"),
    [
        ("partial", {"options": ["Choose one option of each: Size, Colour."]}),
        ("none", {"options": ["Choose one option of each: Size, Colour."]}),
        ("foreign", None),
        ("unknown_item", {"inventory_item_id": ["This variant does not exist."]}),
        ("inactive_item", {"inventory_item_id": ["This variant is not available."]}),
    ],
)
def test_variant_choices_that_are_incomplete_foreign_or_inactive_are_refused(api_client, shop, choice, error) -> None:
    product, types, options, items = variant_product(shop=shop)
    _other, other_types, other_options, other_items = variant_product(shop=shop)
    items[("S", "Red")].is_active = False
    items[("S", "Red")].save()
    body: dict[str, Any] = {"product_id": product.id}
    if choice == "partial":
        body["options"] = [{"variant_type_id": types["Size"].id, "variant_option_id": options["S"].id}]
    elif choice == "foreign":
        body["options"] = [
            {"variant_type_id": other_types["Size"].id, "variant_option_id": other_options["S"].id},
            {"variant_type_id": types["Colour"].id, "variant_option_id": options["Red"].id},
        ]
        error = {"options": [f"Variant type {other_types['Size'].id} is not one of this product's."]}
    elif choice == "unknown_item":
        body["inventory_item_id"] = other_items[("S", "Red")].id
    elif choice == "inactive_item":
        body["inventory_item_id"] = items[("S", "Red")].id
    before = commerce_rows()

    response = api_client.post(add_url(shop.slug), body, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert commerce_rows() == before


def test_stock_is_checked_against_the_whole_line_quantity(api_client, shop) -> None:
    product = ProductFactory(shop=shop, name="Mug", stock_status="limited", stock_quantity=3)
    token = api_client.post(add_url(shop.slug), {"product_id": product.id, "quantity": 2}, format="json").json()[
        "token"
    ]
    before = commerce_rows()

    response = api_client.post(
        add_url(shop.slug), {"cart_token": token, "product_id": product.id, "quantity": 2}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Not enough of Mug in stock for this quantity"}
    assert commerce_rows() == before


def test_stock_of_an_inventory_item_is_its_own(api_client, shop) -> None:
    product, _types, _options, items = variant_product(shop=shop, stock=2)
    item = items[("M", "Blue")]

    refused = api_client.post(
        add_url(shop.slug), {"product_id": product.id, "inventory_item_id": item.id, "quantity": 3}
    )
    accepted = api_client.post(
        add_url(shop.slug), {"product_id": product.id, "inventory_item_id": item.id, "quantity": 2}
    )

    assert refused.status_code == 400
    assert refused.json() == {"detail": f"Not enough of {product.name} in stock for this quantity"}
    assert accepted.status_code == 201


@pytest.mark.parametrize("mode", ["out_of_stock", "limited_at_zero"])
def test_an_out_of_stock_product_cannot_be_added(api_client, shop, mode) -> None:
    product = ProductFactory(
        shop=shop, name="Lamp", stock_status="out_of_stock" if mode == "out_of_stock" else "limited", stock_quantity=0
    )

    response = api_client.post(add_url(shop.slug), {"product_id": product.id}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Lamp is out of stock"}
    assert Cart.objects.count() == 0


def test_an_untracked_product_has_no_limit(api_client, shop) -> None:
    product = ProductFactory(shop=shop, stock_status="in_stock", stock_quantity=0)

    response = api_client.post(add_url(shop.slug), {"product_id": product.id, "quantity": 500}, format="json")

    assert response.status_code == 201
    assert CartItem.objects.get().quantity == 500


@pytest.mark.parametrize("case", ["draft", "archived", "not_yet", "ended", "unknown", "other_shop"])
def test_a_product_not_on_sale_today_is_a_404(api_client, shop, other_shop, case) -> None:
    today = timezone.localdate()
    cases: dict[str, dict[str, Any]] = {
        "draft": {"status": ProductStatus.DRAFT},
        "archived": {"status": ProductStatus.ARCHIVED},
        "not_yet": {"available_from": today + timedelta(days=1)},
        "ended": {"available_to": today - timedelta(days=1)},
        "unknown": {},
        "other_shop": {},
    }
    fields = cases[case]
    product = ProductFactory(shop=other_shop if case == "other_shop" else shop, **fields)
    product_id = product.id + 1000 if case == "unknown" else product.id

    response = api_client.post(add_url(shop.slug), {"product_id": product_id}, format="json")

    assert response.status_code == 404
    assert Cart.objects.count() == 0


def test_a_product_inside_its_window_can_be_added(api_client, shop) -> None:
    today = timezone.localdate()
    product = ProductFactory(shop=shop, available_from=today, available_to=today)

    assert api_client.post(add_url(shop.slug), {"product_id": product.id}, format="json").status_code == 201


@pytest.mark.parametrize("token_kind", ["unknown", "other_shop", "converted", "abandoned", "blank", "null"])
def test_an_unusable_token_starts_a_new_cart(api_client, shop, other_shop, token_kind) -> None:
    product = ProductFactory(shop=shop)
    old = {
        "other_shop": lambda: CartFactory(shop=other_shop),
        "converted": lambda: CartFactory(shop=shop, status=CartStatus.CONVERTED),
        "abandoned": lambda: CartFactory(shop=shop, status=CartStatus.ABANDONED),
    }.get(token_kind, lambda: None)()
    token = {"unknown": "no-such-token", "blank": "", "null": None}.get(token_kind, old.token if old else None)

    response = api_client.post(add_url(shop.slug), {"cart_token": token, "product_id": product.id}, format="json")

    assert response.status_code == 201
    new = Cart.objects.get(token=response.json()["token"])
    assert new.shop == shop
    assert old is None or (new.id != old.id and old.items.count() == 0)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, {"product_id": ["Give product_id or product_slug."]}),
        ({"product_id": 1, "quantity": 0}, {"quantity": ["Ensure this value is greater than or equal to 1."]}),
        ({"product_id": 1, "quantity": 1001}, {"quantity": ["Ensure this value is less than or equal to 1000."]}),
        (
            {"product_id": 1, "options": [{"variant_type_id": 1}]},
            {"options": {"0": ["Expected an object with variant_type_id and variant_option_id."]}},
        ),
        (
            {"product_id": 1, "options": ["x"]},
            {"options": {"0": ["Expected an object with variant_type_id and variant_option_id."]}},
        ),
    ],
)
def test_add_refuses_malformed_bodies(api_client, shop, body, error) -> None:
    ProductFactory(shop=shop)

    response = api_client.post(add_url(shop.slug), body, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert Cart.objects.count() == 0


def test_add_to_an_unknown_shop_is_a_404(api_client) -> None:
    assert api_client.post(add_url("nowhere"), {"product_id": 1}, format="json").status_code == 404


def test_get_cart_prices_lines_at_todays_price(api_client, shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("10.00"))
    line = CartItemFactory(cart__shop=shop, product=product, quantity=3)
    product.price = Decimal("12.00")
    product.save()

    response = api_client.get(cart_url(line.cart.token))

    assert response.status_code == 200
    assert response.json() == cart_body(
        line.cart, [line_body(line, unit_price="12.00", subtotal="36.00")], subtotal="36.00", total_items=3
    )


def test_money_has_the_currencys_decimals(api_client, shop) -> None:
    shop.currency = "JPY"
    shop.save()
    line = CartItemFactory(cart__shop=shop, product=ProductFactory(shop=shop, price=Decimal("1200")), quantity=2)

    body = api_client.get(cart_url(line.cart.token)).json()

    assert (body["currency"], body["subtotal_amount"], body["items"][0]["unit_price"]) == ("JPY", "2400", "1200")


def test_a_converted_cart_is_a_404_and_shows_nothing(api_client, shop) -> None:
    cart = CartFactory(shop=shop, status=CartStatus.CONVERTED)
    CartItemFactory(cart=cart)

    response = api_client.get(cart_url(cart.token))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_cart_is_a_404(api_client) -> None:
    assert api_client.get(cart_url("nope")).status_code == 404


def test_patch_changes_the_quantity_and_rechecks_stock(api_client, shop) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=4)
    line = CartItemFactory(cart__shop=shop, product=product, quantity=1)

    ok = api_client.patch(line_url(line.cart.token, line.id), {"quantity": 4}, format="json")
    before = commerce_rows()
    refused = api_client.patch(line_url(line.cart.token, line.id), {"quantity": 5}, format="json")

    assert ok.status_code == 200
    line.refresh_from_db()
    assert ok.json() == cart_body(
        line.cart, [line_body(line, unit_price="10.00", subtotal="40.00")], subtotal="40.00", total_items=4
    )
    assert refused.status_code == 400
    assert refused.json() == {"detail": f"Not enough of {product.name} in stock for this quantity"}
    assert commerce_rows() == before


def test_lowering_a_quantity_works_even_past_the_stock(api_client, shop) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=1)
    line = CartItemFactory(cart__shop=shop, product=product, quantity=3)

    response = api_client.patch(line_url(line.cart.token, line.id), {"quantity": 2}, format="json")

    assert response.status_code == 200
    line.refresh_from_db()
    assert line.quantity == 2


def test_delete_removes_the_line(api_client, shop) -> None:
    line = CartItemFactory(cart__shop=shop)
    kept = CartItemFactory(cart=line.cart, product=ProductFactory(shop=shop, price=Decimal("2.50")), quantity=2)

    response = api_client.delete(line_url(line.cart.token, line.id))

    assert response.status_code == 200
    assert response.json() == cart_body(
        line.cart, [line_body(kept, unit_price="2.50", subtotal="5.00")], subtotal="5.00", total_items=2
    )
    assert list(CartItem.objects.values_list("id", flat=True)) == [kept.id]


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_an_unknown_or_other_carts_line_is_a_404(api_client, shop, method) -> None:
    line = CartItemFactory(cart__shop=shop)
    other_line = CartItemFactory(cart__shop=shop)
    before = commerce_rows()

    response = getattr(api_client, method)(line_url(line.cart.token, other_line.id), {"quantity": 2}, format="json")

    assert response.status_code == 404
    assert commerce_rows() == before


@pytest.mark.parametrize(
    ("status", "code", "body"),
    [
        (CartStatus.ABANDONED, 400, {"detail": "Cart is not active"}),
        (CartStatus.CONVERTED, 404, {"detail": "Not found."}),
    ],
)
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_lines_of_a_cart_that_is_not_active_cannot_change(api_client, shop, status, code, body, method) -> None:
    line = CartItemFactory(cart__shop=shop, cart__status=status)
    before = commerce_rows()

    response = getattr(api_client, method)(line_url(line.cart.token, line.id), {"quantity": 2}, format="json")

    assert response.status_code == code
    assert response.json() == body
    assert commerce_rows() == before


def test_cart_endpoints_ignore_an_invalid_auth_token(api_client, shop) -> None:
    product = ProductFactory(shop=shop)
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    api_client.cookies["auth_token"] = "stale"

    response = api_client.post(add_url(shop.slug), {"product_id": product.id}, format="json")

    assert response.status_code == 201
    assert api_client.get(cart_url(response.json()["token"])).status_code == 200


def test_each_add_answers_the_bytes_the_cart_read_gives(api_client, shop) -> None:
    """The add's answer is built from what it wrote (no re-read): byte for byte the cart's GET, for a new cart,
    a new line, a merged line, an inventory item chosen by id or by its options, and an option combination."""
    mug = ProductFactory(shop=shop, stock_status="limited", stock_quantity=10)
    tee, types, options, items = variant_product(shop=shop)
    size = VariantTypeFactory(product=(cap := ProductFactory(shop=shop)), name="Size")
    small = VariantOptionFactory(variant_type=size, name="S")
    for product, position in ((mug, 1), (mug, 0), (tee, 0)):
        ProductImageFactory(product=product, position=position)
    by_options = [
        {"variant_type_id": types["Size"].id, "variant_option_id": options["M"].id},
        {"variant_type_id": types["Colour"].id, "variant_option_id": options["Red"].id},
    ]
    adds = [
        {"product_id": tee.id, "inventory_item_id": items[("S", "Blue")].id},
        {"product_id": mug.id, "quantity": 2},
        {"product_id": mug.id},
        {"product_id": tee.id, "options": by_options},
        {"product_id": cap.id, "options": [{"type_id": size.id, "option_id": small.id}]},
    ]
    token = None
    for body in adds:
        response = api_client.post(add_url(shop.slug), {**body, "cart_token": token}, format="json")
        assert response.status_code in (200, 201)
        token = response.json()["token"]

        assert response.content == api_client.get(cart_url(token)).content
    assert [line["quantity"] for line in response.json()["items"]] == [1, 3, 1, 1]


def test_a_new_cart_answers_the_bytes_the_cart_read_gives(api_client, shop) -> None:
    """A new cart (one statement writes the cart and its line; the first image is read with the product) as the
    benchmark adds it: a simple product with three images, by id or by slug, as the storefront's body has it or
    with the serializer reading it; and a product without images."""
    mug = ProductFactory(shop=shop, stock_status="limited", stock_quantity=10)
    bare = ProductFactory(shop=shop)
    for position in (2, 1, 3):
        ProductImageFactory(product=mug, position=position)
    bodies: list[dict[str, Any]] = [
        {"product_id": mug.id, "quantity": 1},
        {"product_id": mug.id, "quantity": 2, "inventory_item_id": None, "options": [], "cart_token": None},
        {"product_slug": mug.slug},
        {"product_id": str(mug.id), "quantity": "3"},  # the serializer's path
        {"product_id": bare.id},
    ]
    for body in bodies:
        response = api_client.post(add_url(shop.slug), body, format="json")
        assert response.status_code == 201

        assert response.content == api_client.get(cart_url(response.json()["token"])).content
        line = response.json()["items"][0]
        assert (line["product_id"], line["product_image"] and line["product_image"]["alt_text"]) == (
            (bare.id, None) if body.get("product_id") == bare.id else (mug.id, "Photo 1")
        )
    assert Cart.objects.count() == CartItem.objects.count() == 5
