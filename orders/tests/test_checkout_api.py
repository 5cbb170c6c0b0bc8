"""Checkout as the storefront calls it: one order at today's prices, stock taken, lines re-checked, and a
retry with the same idempotency key never makes a second order."""

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from orders.models import Cart, CartStatus, Order, OrderItem
from orders.services.checkout import order_number_new
from orders.tests.endpoints import CUSTOMER, add_url, checkout_url
from orders.tests.factories import CartFactory, CartItemFactory
from orders.tests.snapshots import commerce_rows
from shops.models import ProductStatus
from shops.tests.factories import (
    ProductFactory,
    ProductImageFactory,
    VariantOptionFactory,
    VariantTypeFactory,
    variant_product,
)
from shops.tests.snapshots import as_json

pytestmark = pytest.mark.django_db

ORDER_NUMBER = re.compile(r"^\d{6}-[0-9A-HJKMNP-TV-Z]{10}$")


def order_line(line: OrderItem, **values: Any) -> dict[str, Any]:
    return {
        "id": line.id,
        "product_id": line.product_id,
        "product_name": line.product_name,
        "product_slug": line.product_slug,
        "sku": line.sku,
        "quantity": line.quantity,
        "unit_price": values["unit_price"],
        "subtotal_amount": values["subtotal"],
        "currency": "USD",
        "option_label": line.option_label,
        "options": line.options,
        "product_image": None,
        "inventory_item_id": line.inventory_item_id,
    }


def test_frontend_checkout_call_makes_the_order_with_the_exact_body(api_client, shop) -> None:
    mug = ProductFactory(
        shop=shop, name="Mug", slug="mug", sku="MUG", price=Decimal("7.50"), stock_status="limited", stock_quantity=5
    )
    tee, types, options, items = variant_product(shop=shop, name="Tee", slug="tee", stock=3)
    token = api_client.post(add_url(shop.slug), {"product_id": mug.id, "quantity": 2}, format="json").json()["token"]
    api_client.post(
        add_url(shop.slug),
        {"cart_token": token, "product_id": tee.id, "inventory_item_id": items[("M", "Blue")].id, "quantity": 1},
        format="json",
    )

    response = api_client.post(checkout_url(token), CUSTOMER, format="json")

    assert response.status_code == 201
    order = Order.objects.get()
    mug_line, tee_line = OrderItem.objects.order_by("id")
    assert ORDER_NUMBER.match(order.order_number)
    assert response.json() == {
        "id": order.id,
        "order_number": order.order_number,
        "status": "pending",
        "currency": "USD",
        "subtotal_amount": "35.00",
        "discount_amount": "0.00",
        "tax_amount": "0.00",
        "shipping_amount": "0.00",
        "total_amount": "35.00",
        "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
        "placed_at": as_json(order.placed_at),
        "updated_at": as_json(order.updated_at),
        "item_count": 3,
        "customer_phone": "+44 20 7946 0000",
        "notes": "Leave at the door",
        "shipping_address": {"line1": "12 Analytical St", "city": "London", "postal_code": "N1 9GU"},
        "billing_address": {},
        "items": [
            order_line(mug_line, unit_price="7.50", subtotal="15.00"),
            order_line(tee_line, unit_price="20.00", subtotal="20.00"),
        ],
        # Added by payments (the checkout endpoint is payments.apis.CartCheckoutApi): a shop with no payment
        # settings takes manual payments.
        "payment": {
            "provider": "manual",
            "status": "pending",
            "next_action": "follow_instructions",
            "instructions": "",
            "stripe": None,
        },
    }
    assert (mug_line.product_name, mug_line.sku, mug_line.option_label, mug_line.stock_taken) == (
        "Mug",
        "MUG",
        "",
        True,
    )
    assert (tee_line.sku, tee_line.option_label) == (f"{tee.sku}-M-Blue", "Size: M / Colour: Blue")
    assert tee_line.options == [
        {
            "variant_type_id": types["Size"].id,
            "variant_type_name": "Size",
            "variant_option_id": options["M"].id,
            "variant_option_name": "M",
        },
        {
            "variant_type_id": types["Colour"].id,
            "variant_type_name": "Colour",
            "variant_option_id": options["Blue"].id,
            "variant_option_name": "Blue",
        },
    ]
    mug.refresh_from_db()
    tee.refresh_from_db()
    items[("M", "Blue")].refresh_from_db()
    assert (mug.stock_quantity, items[("M", "Blue")].stock_quantity, tee.stock_quantity) == (3, 2, 11)
    cart = Cart.objects.get()
    assert (cart.status, order.cart_id) == (CartStatus.CONVERTED, cart.id)


def test_checkout_charges_todays_price_not_the_price_when_added(api_client, shop) -> None:
    product = ProductFactory(shop=shop, price=Decimal("10.00"))
    token = api_client.post(add_url(shop.slug), {"product_id": product.id, "quantity": 2}, format="json").json()[
        "token"
    ]
    product.price = Decimal("12.25")
    product.save()

    response = api_client.post(checkout_url(token), CUSTOMER, format="json")

    assert response.status_code == 201
    assert (response.json()["items"][0]["unit_price"], response.json()["total_amount"]) == ("12.25", "24.50")
    assert OrderItem.objects.get().unit_price == Decimal("12.25")


def test_an_untracked_product_takes_no_stock(api_client, shop) -> None:
    line = CartItemFactory(
        cart__shop=shop, product=ProductFactory(shop=shop, stock_status="in_stock", stock_quantity=0), quantity=9
    )

    response = api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json")

    assert response.status_code == 201
    assert OrderItem.objects.get().stock_taken is False
    line.product.refresh_from_db()
    assert line.product.stock_quantity == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": ProductStatus.DRAFT}, "Widget is no longer available"),
        ({"status": ProductStatus.ARCHIVED}, "Widget is no longer available"),
        ({"available_to": timezone.localdate() - timedelta(days=1)}, "Widget is no longer available"),
        ({"available_from": timezone.localdate() + timedelta(days=1)}, "Widget is no longer available"),
        ({"stock_status": "out_of_stock"}, "Widget is out of stock"),
        ({"stock_quantity": 0}, "Widget is out of stock"),
        ({"stock_quantity": 1}, "Not enough of Widget in stock for this quantity"),
    ],
)
def test_checkout_rechecks_every_line_and_writes_nothing_when_one_fails(api_client, shop, change, message) -> None:
    fine = CartItemFactory(cart__shop=shop, product=ProductFactory(shop=shop, stock_status="limited", stock_quantity=5))
    widget = ProductFactory(shop=shop, name="Widget", stock_status="limited", stock_quantity=5)
    CartItemFactory(cart=fine.cart, product=widget, quantity=2)
    for field, value in change.items():
        setattr(widget, field, value)
    widget.save()
    before = commerce_rows()

    response = api_client.post(checkout_url(fine.cart.token), CUSTOMER, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert commerce_rows() == before


def test_an_inactive_variant_is_refused_at_checkout(api_client, shop) -> None:
    product, _types, _options, items = variant_product(shop=shop, name="Tee")
    item = items[("S", "Red")]
    token = api_client.post(
        add_url(shop.slug), {"product_id": product.id, "inventory_item_id": item.id}, format="json"
    ).json()["token"]
    item.is_active = False
    item.save()
    before = commerce_rows()

    response = api_client.post(checkout_url(token), CUSTOMER, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Tee is no longer available"}
    assert commerce_rows() == before


def test_lines_of_one_stock_are_counted_together(api_client, shop) -> None:
    """Two option lines of a product without inventory items share the product's stock."""
    product = ProductFactory(shop=shop, name="Cap", stock_status="limited", stock_quantity=3)
    size = VariantTypeFactory(product=product, name="Size")
    small, large = VariantOptionFactory(variant_type=size, name="S"), VariantOptionFactory(variant_type=size, name="L")
    cart = CartFactory(shop=shop)
    CartItemFactory(cart=cart, product=product, option_key=str(small.id), quantity=2)
    CartItemFactory(cart=cart, product=product, option_key=str(large.id), quantity=2)
    before = commerce_rows()

    response = api_client.post(checkout_url(cart.token), CUSTOMER, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Not enough of Cap in stock for this quantity"}
    assert commerce_rows() == before


def test_a_deleted_option_makes_its_line_unavailable(api_client, shop) -> None:
    product = ProductFactory(shop=shop, name="Cap")
    size = VariantTypeFactory(product=product, name="Size")
    small = VariantOptionFactory(variant_type=size, name="S")
    line = CartItemFactory(cart__shop=shop, product=product, option_key=str(small.id))
    small.delete()

    response = api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Cap is no longer available in this variant"}
    assert Order.objects.count() == 0


def test_an_empty_cart_cannot_be_checked_out(api_client, shop) -> None:
    cart = CartFactory(shop=shop)

    response = api_client.post(checkout_url(cart.token), CUSTOMER, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Cart is empty"}
    assert Order.objects.count() == 0


@pytest.mark.parametrize("status", [CartStatus.CONVERTED, CartStatus.ABANDONED])
def test_a_cart_that_is_not_active_is_a_404(api_client, shop, status) -> None:
    line = CartItemFactory(cart__shop=shop, cart__status=status)

    response = api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json")

    assert response.status_code == 404
    assert Order.objects.count() == 0


def test_unknown_cart_is_a_404(api_client) -> None:
    assert api_client.post(checkout_url("nope"), CUSTOMER, format="json").status_code == 404


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"customer_name": ""}, {"customer_name": ["This field may not be blank."]}),
        ({"customer_email": "not-an-email"}, {"customer_email": ["Enter a valid email address."]}),
        ({"customer_phone": "1" * 33}, {"customer_phone": ["Ensure this field has no more than 32 characters."]}),
        ({"notes": "n" * 2001}, {"notes": ["Ensure this field has no more than 2000 characters."]}),
        ({"shipping_address": {"line1": {"nested": "x"}}}, {"shipping_address": {"line1": ["Not a valid string."]}}),
        ({"shipping_address": {f"k{n}": "v" for n in range(21)}}, {"shipping_address": ["At most 20 fields."]}),
        (
            {"billing_address": {"line1": "x" * 256}},
            {"billing_address": {"line1": ["Ensure this field has no more than 255 characters."]}},
        ),
        (
            {"billing_address": "12 Main St"},
            {"billing_address": ['Expected a dictionary of items but got type "str".']},
        ),
    ],
)
def test_checkout_refuses_bad_customer_data(api_client, shop, change, error) -> None:
    line = CartItemFactory(cart__shop=shop)
    before = commerce_rows()

    response = api_client.post(checkout_url(line.cart.token), {**CUSTOMER, **change}, format="json")

    assert response.status_code == 400
    assert response.json() == error
    assert commerce_rows() == before


def test_optional_customer_fields_may_be_null(api_client, shop) -> None:
    line = CartItemFactory(cart__shop=shop)
    body = {
        "customer_name": "Bo",
        "customer_email": "bo@example.com",
        "customer_phone": None,
        "notes": None,
        "shipping_address": None,
        "billing_address": None,
    }

    response = api_client.post(checkout_url(line.cart.token), body, format="json")

    assert response.status_code == 201
    order = Order.objects.get()
    assert (order.customer_phone, order.notes, order.shipping_address, order.billing_address) == ("", "", {}, {})


@pytest.mark.parametrize("where", ["header", "body"])
def test_a_retried_checkout_with_the_same_key_returns_the_same_order(api_client, shop, where) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=5)
    line = CartItemFactory(cart__shop=shop, product=product, quantity=2)
    extra = {"HTTP_IDEMPOTENCY_KEY": "key-1"} if where == "header" else {}
    body = {**CUSTOMER, "idempotency_key": "key-1"} if where == "body" else CUSTOMER

    first = api_client.post(checkout_url(line.cart.token), body, format="json", **extra)
    second = api_client.post(checkout_url(line.cart.token), body, format="json", **extra)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Order.objects.count() == 1
    assert Order.objects.get().idempotency_key == "key-1"
    product.refresh_from_db()
    assert product.stock_quantity == 3


def test_a_converted_cart_without_the_key_is_a_404(api_client, shop) -> None:
    line = CartItemFactory(cart__shop=shop)
    api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k")

    without = api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json")
    other_key = api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k2")

    assert (without.status_code, other_key.status_code) == (404, 404)
    assert Order.objects.count() == 1


def test_a_key_used_by_another_cart_is_a_409_and_shows_nothing(api_client, shop) -> None:
    first = CartItemFactory(cart__shop=shop)
    second = CartItemFactory(cart__shop=shop)
    api_client.post(checkout_url(first.cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="same")
    before = commerce_rows()

    response = api_client.post(checkout_url(second.cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert response.status_code == 409
    assert response.json() == {"detail": "This Idempotency-Key was already used for another checkout."}
    assert commerce_rows() == before


def test_an_overlong_idempotency_key_is_refused(api_client, shop) -> None:
    line = CartItemFactory(cart__shop=shop)

    response = api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": ["At most 255 characters."]}
    assert Order.objects.count() == 0


def test_order_numbers_are_dated_and_drawn_from_32_letters() -> None:
    numbers = {order_number_new() for _ in range(1000)}

    assert len(numbers) == 1000
    assert all(ORDER_NUMBER.match(number) for number in numbers)
    assert {number[:6] for number in numbers} == {timezone.now().strftime("%y%m%d")}


def test_an_order_number_collision_draws_another(api_client, shop, monkeypatch) -> None:
    CartItemFactory(cart__shop=shop)
    taken = CartItemFactory(cart__shop=shop)
    api_client.post(checkout_url(taken.cart.token), CUSTOMER, format="json")
    existing = Order.objects.get().order_number
    line = CartItemFactory(cart__shop=shop)
    numbers = iter([existing, "261124-0000000001"])
    monkeypatch.setattr("orders.services.checkout.order_number_new", lambda: next(numbers))

    response = api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json")

    assert response.status_code == 201
    assert response.json()["order_number"] == "261124-0000000001"
    assert Order.objects.count() == 2
    # The attempt that found the number taken wrote nothing; the second wrote the order, its line and the cart.
    placed = Order.objects.get(order_number="261124-0000000001")
    assert [(item.product_id, item.quantity) for item in placed.items.all()] == [(line.product_id, line.quantity)]
    line.cart.refresh_from_db()
    assert (line.cart.status, OrderItem.objects.count()) == (CartStatus.CONVERTED, 2)


@pytest.mark.parametrize(
    "change",
    [
        {"customer_name": "Somebody Else"},
        {"customer_email": "other@example.com"},
        {"notes": "Leave it with the neighbours"},
        {"shipping_address": {"line1": "1 Other Street"}},
    ],
)
def test_the_same_key_with_a_different_body_is_a_422_and_changes_nothing(api_client, shop, change) -> None:
    product = ProductFactory(shop=shop, stock_status="limited", stock_quantity=5)
    line = CartItemFactory(cart__shop=shop, product=product, quantity=2)
    first = api_client.post(checkout_url(line.cart.token), CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    before = commerce_rows()

    response = api_client.post(
        checkout_url(line.cart.token), {**CUSTOMER, **change}, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )

    assert first.status_code == 201
    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for this cart's checkout with a different body. "
        "Retry with the same body to get that order, or use a new key."
    }
    assert commerce_rows() == before


def test_a_retry_that_sends_the_defaults_of_what_it_left_out_is_the_same_body(api_client, shop) -> None:
    line = CartItemFactory(cart__shop=shop)
    short = {"customer_name": "Ada Lovelace", "customer_email": "ada@example.com"}
    first = api_client.post(checkout_url(line.cart.token), short, format="json", HTTP_IDEMPOTENCY_KEY="k")
    explicit: dict[str, Any] = {
        **short,
        "customer_phone": "",
        "notes": None,
        "shipping_address": {},
        "billing_address": None,
    }

    second = api_client.post(checkout_url(line.cart.token), explicit, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Order.objects.count() == 1


def test_the_checkout_answer_built_from_what_was_written_is_the_re_read_one_byte_for_byte(api_client, shop) -> None:
    """The 201 is built from the order just written (no re-read); a replay re-reads it: the same bytes, down to
    the key order of the JSON columns (PostgreSQL's jsonb order, not the order the request sent)."""
    mug = ProductFactory(shop=shop, stock_status="limited", stock_quantity=5)
    tee, _, _, items = variant_product(shop=shop)
    for product, position in ((mug, 1), (mug, 0), (tee, 0)):
        ProductImageFactory(product=product, position=position)
    token = api_client.post(add_url(shop.slug), {"product_id": mug.id}, format="json").json()["token"]
    for key in (("S", "Red"), ("M", "Blue")):
        body = {"cart_token": token, "product_id": tee.id, "inventory_item_id": items[key].id}
        api_client.post(add_url(shop.slug), body, format="json")
    body = {
        **CUSTOMER,
        "shipping_address": {"postal_code": "N1 9GU", "line1": "12 Analytical St", "city": "London", "é": "x"},
        "billing_address": {"zz": "1", "a": "2"},
    }

    first = api_client.post(checkout_url(token), body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    replay = api_client.post(checkout_url(token), body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")

    assert (first.status_code, replay.status_code, replay["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.content == replay.content
    assert [line["product_image"]["alt_text"] for line in first.json()["items"]] == ["Photo 0"] * 3
