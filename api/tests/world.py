"""An owner's world for the schema-driven tests: a user with a token, a shop with a category, an active product
with an image (really stored), a buyer's cart with a line and an order of the shop (made through the real cart
and checkout services), a webhook endpoint with a delivery, and the value of every path parameter of the
OpenAPI schema in it."""

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from drf_spectacular.generators import SchemaGenerator

from accounts.models import Plan
from accounts.services import auth_token_issue
from accounts.tests.factories import UserFactory
from images.tests.samples import image_bytes
from orders.models import Cart, CartItem, Order
from orders.services.carts import cart_item_add
from orders.services.checkout import cart_checkout
from shops.models import Category, Product, ProductImage, ProductStatus, Shop
from shops.services.images import product_image_upload
from shops.tests.factories import CategoryFactory, ProductFactory, ShopFactory
from webhooks.services.endpoints import endpoint_create, endpoint_ping

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
WRITE_METHODS = ("post", "put", "patch", "delete")


def openapi_schema() -> dict[str, Any]:
    """The schema that /api/schema/ serves."""
    return SchemaGenerator().get_schema(request=None, public=True)


def schema_operations(methods: tuple[str, ...] = HTTP_METHODS) -> list[tuple[str, str]]:
    """Every (METHOD, path template) of the schema: new endpoints are covered by the tests without a change."""
    return [
        (method.upper(), path)
        for path, item in sorted(openapi_schema()["paths"].items())
        for method in methods
        if method in item
    ]


@dataclass
class World:
    owner: Any
    token: str
    shop: Shop
    category: Category
    product: Product
    image: ProductImage
    cart: Cart
    cart_item: CartItem
    order: Order
    # Path parameter -> the value naming the owner's object. An endpoint with a parameter missing here makes the
    # access matrix fail: add the parameter (and the object it names) when adding such an endpoint.
    path_values: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, Any]:
        return {"Authorization": f"Token {self.token}"}

    def path(self, template: str) -> str:
        return template.format(**self.path_values)


def build_world() -> World:
    # On the pro plan: a second shop is within its limits, so the schema-made shop create can succeed.
    owner = UserFactory(account_type=Plan.PRO)
    token, _ = auth_token_issue(user=owner)
    shop = ShopFactory(owner=owner, name="Fuzz Shop", slug="fuzz-shop")
    category = CategoryFactory(shop=shop, name="Things", slug="things")
    product = ProductFactory(
        shop=shop, category=category, name="Thing", slug="thing", price=Decimal("5.00"), status=ProductStatus.ACTIVE
    )
    file = io.BytesIO(image_bytes("JPEG", (40, 30)))
    image = product_image_upload(product=product, file=file, alt_text="A thing")
    # An order of the shop, checked out by a buyer, and another buyer's cart still open with one line.
    ordered = cart_item_add(shop=shop, product_id=product.id, quantity=1)
    order = cart_checkout(token=ordered.cart.token, customer_name="A Buyer", customer_email="buyer@example.com").order
    added = cart_item_add(shop=shop, product_id=product.id, quantity=1)
    # A webhook endpoint of the shop (on loopback, which the tests allow; nothing listens there) with a ping queued.
    endpoint = endpoint_create(shop=shop, url="http://127.0.0.1:9/hooks", event_types=["order.created"]).endpoint
    delivery = endpoint_ping(endpoint=endpoint)
    path_values = {
        "shop_id": shop.id,
        "category_id": category.id,
        "product_id": product.id,
        "image_id": image.id,
        "shop_slug": shop.slug,
        "product_slug": product.slug,
        "order_id": order.id,
        "item_id": added.line.id,
        # The cart's token: also the `{token}` of the direct upload's endpoint, where it is no upload's token.
        "token": added.cart.token,
        "endpoint_id": endpoint.id,
        "delivery_id": delivery.id,
    }
    return World(
        owner=owner,
        token=token,
        shop=shop,
        category=category,
        product=product,
        image=image,
        cart=added.cart,
        cart_item=added.line,
        order=order,
        path_values=path_values,
    )
