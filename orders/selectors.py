"""Reads of carts and orders, each with its query shape: a cart or an order list costs the same few queries
for one line or a hundred. Owner selectors scope to the owner's shop: another user's order is a 404."""

from typing import Any

from django.db.models import IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from orders.models import Cart, CartItem, CartStatus, Order, OrderItem
from shops.first_image import first_images_of
from shops.models import Product, ProductImage, ProductVariantOption, Shop
from shops.variants import option_ids


def _images() -> Prefetch:
    return Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))


def _cart_line_prefetches() -> tuple[Prefetch, ...]:
    """What a cart line shows beyond its row, product and item: the product's images, the item's options."""
    options = ProductVariantOption.objects.select_related("variant_type")
    return _images(), Prefetch("inventory_item__options", queryset=options)


def _cart_lines() -> QuerySet[CartItem]:
    return (
        CartItem.objects.select_related("product", "inventory_item")
        .prefetch_related(*_cart_line_prefetches())
        .order_by("created_at", "id")
    )


def cart_get(*, token: str) -> Cart:
    """The cart of this token with its lines, products, variants and images. A converted cart is a 404:
    its token no longer shows anything."""
    carts = Cart.objects.select_related("shop").prefetch_related(Prefetch("items", queryset=_cart_lines()))
    cart = get_object_or_404(carts.exclude(status=CartStatus.CONVERTED), token=token)
    _key_options_attach(list(cart.items.all()))
    return cart


def _first_images_attach(products: list[Product]) -> None:
    """`first_image` on each product: (id, object name, alt text) of its first image by position, or None
    (one query for all, none without products). A product that knows it already (read with its lock at checkout:
    shops.stock.stock_lock) is not asked again."""
    products = [product for product in products if not hasattr(product, "first_image")]
    first_images = first_images_of(product_ids={product.id for product in products})
    for product in products:
        # An attribute set here for the JSON builders: not a field of the model's type.
        product.first_image = first_images.get(product.id)  # type: ignore[attr-defined]


def cart_of_written(*, cart: Cart, lines: list[CartItem]) -> Cart:
    """The cart that a cart write has just written (`lines`: all its lines, each with its cart, product and
    inventory item), for `orders.serializers.cart_json`, without reading it again: each product's
    `first_image`, the items' options and the options of combination keys are read (a query each, none when
    no line needs it)."""
    lines = sorted(lines, key=lambda line: (line.created_at, line.id))
    _first_images_attach([line.product for line in lines])
    if any(line.inventory_item_id is not None for line in lines):  # building the Prefetch costs CPU too
        prefetch_related_objects(lines, _cart_line_prefetches()[1])
    _key_options_attach(lines)
    # Where prefetch_related puts a relation's rows: `cart.items.all()` is then these lines, no query.
    cart._prefetched_objects_cache = {"items": lines}  # type: ignore[attr-defined]  # noqa: SLF001
    return cart


def _key_options_attach(lines: list[CartItem]) -> None:
    """`key_options` on each line of an option combination without an inventory item: the options of its
    key that are still options of its product, with their types (one query for all lines, none without
    such lines)."""
    keyed = [line for line in lines if line.inventory_item_id is None and line.option_key]
    wanted = {option_id for line in keyed for option_id in option_ids(line.option_key)}
    found = (
        ProductVariantOption.objects.filter(
            id__in=wanted, variant_type__product_id__in={line.product_id for line in keyed}
        ).select_related("variant_type")
        if wanted
        else []
    )
    by_id = {option.id: option for option in found}
    for line in keyed:
        options = (by_id.get(option_id) for option_id in option_ids(line.option_key))
        # An attribute set here for the serializer: not a field of the model's type.
        line.key_options = [  # type: ignore[attr-defined]
            option for option in options if option and option.variant_type.product_id == line.product_id
        ]


def _with_item_count(orders: QuerySet[Order]) -> QuerySet[Order]:
    """`item_count`: the sum of the lines' quantities, in the same query (no aggregate per order)."""
    quantities = (
        OrderItem.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return orders.annotate(item_count=Coalesce(Subquery(quantities, output_field=IntegerField()), 0))


def order_list_for_owner(*, shop: Shop) -> QuerySet[Order]:
    """The shop's orders, newest first."""
    return _with_item_count(Order.objects.filter(shop=shop)).order_by("-placed_at", "-id")


def _order_detail(orders: QuerySet[Order]) -> QuerySet[Order]:
    lines = OrderItem.objects.select_related("product").prefetch_related(_images()).order_by("id")
    return _with_item_count(orders).prefetch_related(Prefetch("items", queryset=lines))


def order_get_for_owner(*, shop: Shop, order_id: int) -> Order:
    return get_object_or_404(_order_detail(Order.objects.filter(shop=shop)), id=order_id)


def _as_jsonb(value: Any) -> Any:
    """`value` as a jsonb column gives it back: PostgreSQL keeps an object's keys shortest first, then in byte
    order (so a JSON answer built from what was just written has its keys in the order a re-read would)."""
    if isinstance(value, dict):
        ordered = sorted(value.items(), key=lambda pair: (len(pair[0].encode()), pair[0].encode()))
        return {key: _as_jsonb(item) for key, item in ordered}
    if isinstance(value, list):
        return [_as_jsonb(item) for item in value]
    return value


def order_detail_of_written(*, order: Order, lines: list[OrderItem]) -> Order:
    """The order that checkout has just written (`lines`: its lines in id order, each with its product), for
    `orders.serializers.order_detail_json`, without reading it again: only each product's `first_image` is
    read (one query; none when checkout read them with its locks). The JSON fields hold what a re-read would give."""
    # Attributes the selectors' queries annotate: not fields of the model's type.
    order.item_count = sum(line.quantity for line in lines)  # type: ignore[attr-defined]
    order.shipping_address = _as_jsonb(order.shipping_address)
    order.billing_address = _as_jsonb(order.billing_address)
    for line in lines:
        line.options = _as_jsonb(line.options)
    _first_images_attach([line.product for line in lines if line.product is not None])
    # Where prefetch_related puts a relation's rows: `order.items.all()` is then these lines, no query.
    order._prefetched_objects_cache = {"items": lines}  # type: ignore[attr-defined]  # noqa: SLF001
    return order


def order_get(*, order_id: int) -> Order:
    """An order with its lines, for the buyer's checkout response."""
    return get_object_or_404(_order_detail(Order.objects.all()), id=order_id)
