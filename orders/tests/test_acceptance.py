"""Issue 5, acceptance 1, as a new user would try it: an owner sets up a shop with categories and a product
with two variant types and six inventory items; a buyer puts two variants in a cart and checks out; the owner
sees the order, cancels it, and the stock is back."""

import pytest

from orders.tests.endpoints import add_url, cart_url, checkout_url, order_url, orders_url
from shops.models import Product, ProductInventoryItem
from shops.stock import refresh_product_stock
from shops.tests.factories import InventoryItemFactory, VariantOptionFactory, VariantTypeFactory

pytestmark = pytest.mark.django_db


def test_owner_sells_two_variants_then_cancels_and_the_stock_is_back(owner_client, api_client) -> None:
    shop = owner_client.post("/api/v1/shops/", {"name": "Tee Shop", "currency": "USD"}, format="json").json()
    for name in ("Shirts", "Hats"):
        assert owner_client.post(f"/api/v1/shops/{shop['id']}/categories/", {"name": name}).status_code == 201
    created = owner_client.post(
        f"/api/v1/shops/{shop['id']}/products/",
        {"name": "Logo Tee", "base_price": "25.00", "category": "Shirts", "stock_status": "limited", "sku": "TEE"},
        format="json",
    )
    assert created.status_code == 201
    product = Product.objects.get(id=created.json()["id"])
    # Two variant types and six inventory items (rows made directly: the payload sync is the catalogue's part).
    size = VariantTypeFactory(product=product, name="Size", position=0)
    colour = VariantTypeFactory(product=product, name="Colour", position=1)
    sizes = [VariantOptionFactory(variant_type=size, name=name, position=i) for i, name in enumerate("SML")]
    colours = [
        VariantOptionFactory(variant_type=colour, name=name, position=i) for i, name in enumerate(["Red", "Blue"])
    ]
    items = {}
    for index, (size_option, colour_option) in enumerate((s, c) for s in sizes for c in colours):
        items[(size_option.name, colour_option.name)] = InventoryItemFactory(
            product=product,
            options=[size_option, colour_option],
            stock_quantity=4,
            position=index,
            is_default=not index,
        )
    refresh_product_stock(product)
    product.refresh_from_db()
    assert (ProductInventoryItem.objects.filter(product=product).count(), product.stock_quantity) == (6, 24)
    before = dict(ProductInventoryItem.objects.filter(product=product).values_list("id", "stock_quantity"))
    medium_blue = items[("M", "Blue")]

    # The buyer adds M/Blue by inventory item and L/Red by options, then checks out.
    first = api_client.post(
        add_url(shop["slug"]), {"product_id": product.id, "quantity": 2, "inventory_item_id": medium_blue.id}
    )
    token = first.json()["token"]
    second = api_client.post(
        add_url(shop["slug"]),
        {
            "cart_token": token,
            "product_id": product.id,
            "quantity": 1,
            "options": [
                {"variant_type_id": size.id, "variant_option_id": sizes[2].id},
                {"variant_type_id": colour.id, "variant_option_id": colours[0].id},
            ],
        },
        format="json",
    )
    assert (first.status_code, second.status_code) == (201, 201)
    cart = api_client.get(cart_url(token)).json()
    assert [(item["option_label"], item["quantity"]) for item in cart["items"]] == [
        ("Size: M / Colour: Blue", 2),
        ("Size: L / Colour: Red", 1),
    ]
    assert (cart["subtotal_amount"], cart["total_items"]) == ("75.00", 3)
    checkout = api_client.post(
        checkout_url(token),
        {
            "customer_name": "Buyer",
            "customer_email": "buyer@example.com",
            "shipping_address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345"},
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="checkout-1",
    )
    assert checkout.status_code == 201
    product.refresh_from_db()
    assert product.stock_quantity == 21
    assert api_client.get(cart_url(token)).status_code == 404

    # The owner sees the order and cancels it.
    orders = owner_client.get(orders_url(shop["id"])).json()
    assert [(order["order_number"], order["item_count"], order["total_amount"]) for order in orders] == [
        (checkout.json()["order_number"], 3, "75.00")
    ]
    detail = owner_client.get(order_url(shop["id"], orders[0]["id"])).json()
    assert [(item["option_label"], item["unit_price"]) for item in detail["items"]] == [
        ("Size: M / Colour: Blue", "25.00"),
        ("Size: L / Colour: Red", "25.00"),
    ]
    cancelled = owner_client.patch(order_url(shop["id"], orders[0]["id"]), {"status": "cancelled"}, format="json")
    assert cancelled.status_code == 200

    product.refresh_from_db()
    assert product.stock_quantity == 24
    assert dict(ProductInventoryItem.objects.filter(product=product).values_list("id", "stock_quantity")) == before
