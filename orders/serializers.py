"""How carts and orders look in JSON: the existing frontend's CartObj, OrderListObj and OrderDetailObj.

Cart prices are today's (shops.pricing); order prices are what was charged. Money is a string with the
currency's own decimals. Everything read here is loaded by the selectors: no query per line."""

from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from images.storage import object_url
from orders.models import Cart, CartItem, Order, OrderItem
from shops.models import Product
from shops.pricing import unit_price
from shops.serializers import MoneyField, money
from shops.serializers.fields import datetime_text
from shops.variants import option_entries, option_label

PRODUCT_IMAGE = inline_serializer(
    "LineProductImage",
    fields={"id": serializers.IntegerField(), "url": serializers.CharField(), "alt_text": serializers.CharField()},
    allow_null=True,
)
OPTIONS = inline_serializer(
    "LineOption",
    many=True,
    fields={
        "variant_type_id": serializers.IntegerField(),
        "variant_type_name": serializers.CharField(),
        "variant_option_id": serializers.IntegerField(),
        "variant_option_name": serializers.CharField(),
    },
)


def _product_image(serializer: serializers.Serializer, product: Product | None) -> dict[str, Any] | None:
    """The product's primary image (images prefetched in position order), or None."""
    images = list(product.images.all()) if product is not None else []
    if not images:
        return None
    image = images[0]
    return {
        "id": image.id,
        "url": object_url(image.image.name or "", request=serializer.context.get("request")),
        "alt_text": image.alt_text,
    }


def cart_line_options(line: CartItem) -> list[dict[str, Any]]:
    if line.inventory_item is not None:
        return option_entries(line.inventory_item.options.all())
    if not line.option_key:
        return []
    # Read by the selector (orders.selectors.cart_get): the key's options still of the product (an attribute
    # it sets, not a field of the model's type).
    return option_entries(line.key_options)  # type: ignore[attr-defined]


def cart_line_unit_price(line: CartItem) -> Decimal:
    return unit_price(line.product, line.inventory_item)


class CartItemSerializer(serializers.ModelSerializer):
    product_slug = serializers.CharField(source="product.slug")
    product_name = serializers.CharField(source="product.name")
    unit_price = serializers.SerializerMethodField(help_text="Today's price of one unit.")
    subtotal_amount = serializers.SerializerMethodField()
    currency = serializers.CharField(source="cart.shop.currency")
    option_label = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()
    product_image = serializers.SerializerMethodField()

    class Meta:
        model = CartItem
        fields = [
            "id",
            "product_id",
            "product_slug",
            "product_name",
            "quantity",
            "unit_price",
            "subtotal_amount",
            "currency",
            "option_label",
            "options",
            "product_image",
            "inventory_item_id",
        ]
        read_only_fields = fields

    def get_unit_price(self, line: CartItem) -> str | None:
        return money(cart_line_unit_price(line), line.cart.shop.currency)

    def get_subtotal_amount(self, line: CartItem) -> str | None:
        return money(cart_line_unit_price(line) * line.quantity, line.cart.shop.currency)

    def get_option_label(self, line: CartItem) -> str:
        return option_label(cart_line_options(line))

    @extend_schema_field(OPTIONS)
    def get_options(self, line: CartItem) -> list[dict[str, Any]]:
        return cart_line_options(line)

    @extend_schema_field(PRODUCT_IMAGE)
    def get_product_image(self, line: CartItem) -> dict[str, Any] | None:
        return _product_image(self, line.product)


class CartSerializer(serializers.ModelSerializer):
    """CartObj. Carts keep no customer data any more: the customer fields are always empty (the keys stay
    for the existing frontend)."""

    shop_slug = serializers.CharField(source="shop.slug")
    currency = serializers.CharField(source="shop.currency")
    subtotal_amount = serializers.SerializerMethodField(help_text="At today's prices.")
    total_items = serializers.SerializerMethodField(help_text="The sum of the lines' quantities.")
    customer_name = serializers.SerializerMethodField(help_text="Always empty.")
    customer_email = serializers.SerializerMethodField(help_text="Always empty.")
    customer_phone = serializers.SerializerMethodField(help_text="Always empty.")
    notes = serializers.SerializerMethodField(help_text="Always empty.")
    shipping_address = serializers.SerializerMethodField(help_text="Always empty.")
    items = CartItemSerializer(many=True)

    class Meta:
        model = Cart
        fields = [
            "token",
            "status",
            "shop_slug",
            "currency",
            "subtotal_amount",
            "total_items",
            "customer_name",
            "customer_email",
            "customer_phone",
            "notes",
            "shipping_address",
            "items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_subtotal_amount(self, cart: Cart) -> str | None:
        total = sum((cart_line_unit_price(line) * line.quantity for line in cart.items.all()), Decimal(0))
        return money(total, cart.shop.currency)

    def get_total_items(self, cart: Cart) -> int:
        return sum(line.quantity for line in cart.items.all())

    def get_customer_name(self, cart: Cart) -> str:
        return ""

    def get_customer_email(self, cart: Cart) -> str:
        return ""

    def get_customer_phone(self, cart: Cart) -> str:
        return ""

    def get_notes(self, cart: Cart) -> str:
        return ""

    def get_shipping_address(self, cart: Cart) -> dict[str, str]:
        return {}


def _line_image_json(image: tuple[int, str, str] | None, *, request: Any) -> dict[str, Any] | None:
    """A line's `product_image` from its product's `first_image` (id, object name, alt text), as
    `_product_image` gives it for the serializers."""
    if image is None:
        return None
    return {"id": image[0], "url": object_url(image[1] or "", request=request), "alt_text": image[2]}


def cart_json(cart: Cart, *, request: Any = None) -> dict[str, Any]:
    """CartSerializer's JSON, built by plain code where it is hot (a cart add answers it): the same keys in
    the same order and the same values (a test compares the bytes with the cart's GET). `cart.items.all()`
    are its lines with their products and items loaded, and each product's `first_image`, set by
    `orders.selectors.cart_of_written`: (id, object name, alt text) or None."""
    zone = timezone.get_current_timezone()  # once: it is read through a context-local each time
    currency = cart.shop.currency
    items, subtotal, total_items = [], Decimal(0), 0
    for line in cart.items.all():
        price = cart_line_unit_price(line)
        subtotal += price * line.quantity
        total_items += line.quantity
        options = cart_line_options(line)
        # Set by orders.selectors.cart_of_written: not a field of the model's type.
        image = line.product.first_image  # type: ignore[attr-defined]
        items.append(
            {
                "id": line.id,
                "product_id": line.product_id,
                "product_slug": line.product.slug,
                "product_name": line.product.name,
                "quantity": line.quantity,
                "unit_price": money(price, currency),
                "subtotal_amount": money(price * line.quantity, currency),
                "currency": currency,
                "option_label": option_label(options),
                "options": options,
                "product_image": _line_image_json(image, request=request),
                "inventory_item_id": line.inventory_item_id,
            }
        )
    return {
        "token": cart.token,
        "status": cart.status,
        "shop_slug": cart.shop.slug,
        "currency": currency,
        "subtotal_amount": money(subtotal, currency),
        "total_items": total_items,
        "customer_name": "",
        "customer_email": "",
        "customer_phone": "",
        "notes": "",
        "shipping_address": {},
        "items": items,
        "created_at": datetime_text(cart.created_at, zone),
        "updated_at": datetime_text(cart.updated_at, zone),
    }


def order_detail_json(order: Order, *, request: Any = None) -> dict[str, Any]:
    """OrderDetailSerializer's JSON, built by plain code where it is hot (a checkout answers it): the same keys
    in the same order and the same values (a test compares the bytes with a replay's, which the serializer
    builds). `order.items.all()` are its lines with `first_image` on each product, `order.item_count` the sum
    of their quantities: as `orders.selectors.order_detail_of_written` leaves them."""
    zone = timezone.get_current_timezone()
    currency = order.currency
    items = []
    for line in order.items.all():
        # Set by orders.selectors.order_detail_of_written: not a field of the model's type.
        image = line.product.first_image if line.product is not None else None  # type: ignore[attr-defined]
        items.append(
            {
                "id": line.id,
                "product_id": line.product_id,
                "product_name": line.product_name,
                "product_slug": line.product_slug,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price, currency),
                "subtotal_amount": money(line.subtotal_amount, currency),
                "currency": currency,
                "option_label": line.option_label,
                "options": [{str(key): value for key, value in entry.items()} for entry in line.options],
                "product_image": _line_image_json(image, request=request),
                "inventory_item_id": line.inventory_item_id,
            }
        )
    return {
        "id": order.id,
        "order_number": order.order_number,
        "status": order.status,
        "currency": currency,
        "subtotal_amount": money(order.subtotal_amount, currency),
        "discount_amount": money(order.discount_amount, currency),
        "tax_amount": money(order.tax_amount, currency),
        "shipping_amount": money(order.shipping_amount, currency),
        "total_amount": money(order.total_amount, currency),
        "customer_name": order.customer_name,
        "customer_email": order.customer_email,
        "placed_at": datetime_text(order.placed_at, zone),
        "updated_at": datetime_text(order.updated_at, zone),
        # Annotated by the selector: not a field of the model's type.
        "item_count": order.item_count,  # type: ignore[attr-defined]
        "customer_phone": order.customer_phone,
        "notes": order.notes,
        "shipping_address": order.shipping_address,
        "billing_address": order.billing_address,
        "items": items,
    }


class _OrderMoneyMixin(serializers.Serializer):
    subtotal_amount = MoneyField(currency="currency")
    discount_amount = MoneyField(currency="currency")
    tax_amount = MoneyField(currency="currency")
    shipping_amount = MoneyField(currency="currency")
    total_amount = MoneyField(currency="currency")


ORDER_LIST_FIELDS = [
    "id",
    "order_number",
    "status",
    "currency",
    "subtotal_amount",
    "discount_amount",
    "tax_amount",
    "shipping_amount",
    "total_amount",
    "customer_name",
    "customer_email",
    "placed_at",
    "updated_at",
    "item_count",
]


class OrderListSerializer(_OrderMoneyMixin, serializers.ModelSerializer):
    """OrderListObj. `item_count` is the sum of the lines' quantities (annotated by the selectors)."""

    item_count = serializers.IntegerField()

    class Meta:
        model = Order
        fields = ORDER_LIST_FIELDS
        read_only_fields = fields


class OrderItemSerializer(serializers.ModelSerializer):
    """A line as sold: the snapshot, whatever the catalogue holds now (product_id is null once the product
    is deleted)."""

    unit_price = MoneyField(currency="order.currency")
    subtotal_amount = MoneyField(currency="order.currency")
    currency = serializers.CharField(source="order.currency")
    options = serializers.ListField(
        child=serializers.DictField(), help_text="As in the cart: type and option ids and names."
    )
    product_image = serializers.SerializerMethodField()

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "product_id",
            "product_name",
            "product_slug",
            "sku",
            "quantity",
            "unit_price",
            "subtotal_amount",
            "currency",
            "option_label",
            "options",
            "product_image",
            "inventory_item_id",
        ]
        read_only_fields = fields

    @extend_schema_field(PRODUCT_IMAGE)
    def get_product_image(self, line: OrderItem) -> dict[str, Any] | None:
        return _product_image(self, line.product)


class OrderDetailSerializer(OrderListSerializer):
    """OrderDetailObj: the list fields, the customer's details and the lines."""

    items = OrderItemSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            *ORDER_LIST_FIELDS,
            "customer_phone",
            "notes",
            "shipping_address",
            "billing_address",
            "items",
        ]
        read_only_fields = fields
