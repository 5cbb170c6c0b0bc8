"""Cart lines: add (merging with the same variant's line), change the quantity, remove.

Carts hold no stock and no prices: each add or increase checks the stock that is there now (for the whole
quantity the cart would hold of that stock), and prices are read from the catalogue when shown and again
at checkout."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from api.compiled import CompiledQuery
from api.throttling import Window, take_or_refuse, take_with_rows
from orders.models import Cart, CartItem, CartStatus
from orders.services import cart_statements
from shops.first_image import first_image_annotation, first_image_of_column
from shops.models import (
    Product,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    Shop,
)
from shops.selectors import shop_get_public_plain
from shops.stock import StockLine, is_on_sale, quantity_check, still_available_check
from shops.variants import option_key

# A line holds at most this many units, and a cart at most this many lines: bounds what one token can ask for.
MAX_LINE_QUANTITY = 1000
MAX_CART_LINES = 100


@dataclass(frozen=True)
class CartItemAdded:
    cart: Cart
    line: CartItem
    # False when the quantity was merged into the line already holding this variant.
    created: bool
    # Every line of the cart after the add, in the cart's order, each with its cart, product and inventory item.
    lines: list[CartItem]


def cart_token_new() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def cart_lock(*, token: str) -> Cart:
    """The active cart of this token, locked for the rest of the transaction. A converted cart is a 404
    (as if it did not exist: its token never shows the order); an abandoned one is "not active" (400)."""
    cart = Cart.objects.select_for_update().filter(token=token).first()
    if cart is None or cart.status == CartStatus.CONVERTED:
        raise Http404("No such cart.")
    if cart.status != CartStatus.ACTIVE:
        raise ValidationError("Cart is not active")
    return cart


def _quantity_elsewhere_in_cart(
    *, cart: Cart, product: Product, item: ProductInventoryItem | None, line_id: int | None
) -> int:
    """Units the cart's other lines already take of the same stock: the same inventory item, or the
    product's own stock (lines of option combinations without inventory items share it)."""
    lines = CartItem.objects.filter(cart=cart)
    lines = (
        lines.filter(inventory_item=item) if item is not None else lines.filter(product=product, inventory_item=None)
    )
    if line_id is not None:
        lines = lines.exclude(id=line_id)
    return lines.aggregate(total=Sum("quantity"))["total"] or 0


def _parse_options(*, types: list[ProductVariantType], options: list[tuple[int, int]]) -> dict[int, int]:
    """`[(variant_type_id, variant_option_id)]` -> {type id: option id}, each type once, each option of
    its type and each type of this product."""
    options_of_type = {variant_type.id: {option.id for option in variant_type.options.all()} for variant_type in types}
    chosen: dict[int, int] = {}
    for type_id, option_id in options:
        if type_id not in options_of_type:
            raise ValidationError({"options": [f"Variant type {type_id} is not one of this product's."]})
        if type_id in chosen:
            raise ValidationError({"options": [f"Variant type {type_id} is chosen twice."]})
        if option_id not in options_of_type[type_id]:
            raise ValidationError({"options": [f"Option {option_id} is not an option of variant type {type_id}."]})
        chosen[type_id] = option_id
    return chosen


def _variant_resolve(
    *, product: Product, inventory_item_id: int | None, options: list[tuple[int, int]] | None
) -> tuple[ProductInventoryItem | None, str]:
    """The line's variant: (inventory item, "") for products with inventory items, (None, option key) for
    products with variant types but no items, (None, "") for simple products. `product` comes from
    `_product_get` (it knows whether it has items and types, so a simple product costs no query here).

    An explicit inventory item wins over options. Without either, a product whose items have no options
    (one "default" item) uses its default item; a product with variant types needs a full combination."""
    if inventory_item_id is not None:
        item = ProductInventoryItem.objects.filter(product=product, id=inventory_item_id).first()
        if item is None:
            raise ValidationError({"inventory_item_id": ["This variant does not exist."]})
        if not item.is_active:
            raise ValidationError({"inventory_item_id": ["This variant is not available."]})
        return item, ""
    # An attribute annotated by the query that read it: not a field of the model's type.
    types = list(product.variant_types.prefetch_related("options")) if product.has_types else []  # type: ignore[attr-defined]
    chosen = _parse_options(types=types, options=options or [])
    if types and set(chosen) != {variant_type.id for variant_type in types}:
        names = ", ".join(variant_type.name for variant_type in types)
        raise ValidationError({"options": [f"Choose one option of each: {names}."]})
    # An attribute annotated by the query that read it: not a field of the model's type.
    if not product.has_items:  # type: ignore[attr-defined]
        return None, option_key(chosen.values())
    item = _item_of_combination(product=product, chosen=set(chosen.values())) if chosen else _item_default(product)
    if not item.is_active:
        raise ValidationError({"options": ["This variant is not available."]})
    return item, ""


def _item_of_combination(*, product: Product, chosen: set[int]) -> ProductInventoryItem:
    # The options with their types: the answer shows the chosen item's (orders.selectors.cart_of_written).
    options = ProductVariantOption.objects.select_related("variant_type")
    items = ProductInventoryItem.objects.filter(product=product).prefetch_related(Prefetch("options", queryset=options))
    item = next((item for item in items if {option.id for option in item.options.all()} == chosen), None)
    if item is None:
        raise ValidationError({"options": ["This combination is not available."]})
    return item


def _item_default(product: Product) -> ProductInventoryItem:
    """The product's default item, or its first active one, when the buyer chose no variant."""
    active = list(ProductInventoryItem.objects.filter(product=product, is_active=True))
    item = next((item for item in active if item.is_default), active[0] if active else None)
    if item is None:
        raise ValidationError(f"{product.name} is out of stock")
    return item


def _with_variant_flags(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.annotate(
        has_items=Exists(ProductInventoryItem.objects.filter(product=OuterRef("pk"))),
        has_types=Exists(ProductVariantType.objects.filter(product=OuterRef("pk"))),
    )


# What a cart add reads of the product and its shop: whether it is on sale, the stock checks and their messages,
# the price and the answer. The other fields are left deferred (texts, images, timestamps: in-process, reading
# the whole row took 168 µs of the worker's CPU, these 112 µs, a statement of no columns 92 µs); reading one
# would cost a query, which the query-count tests pin.
_PRODUCT_FIELDS = (
    "id",
    "shop_id",
    "name",
    "slug",
    "status",
    "price",
    "stock_status",
    "stock_quantity",
    "available_from",
    "available_to",
)
_SHOP_FIELDS = ("id", "slug", "currency", "show_stock_quantity")


def _product_lookup(*, shop_slug: str, **key: Any) -> QuerySet[Product]:
    """The product of `key` (its id or slug) of the shop of that slug, as rows: product, shop, variant flags and
    first image (a row, not instances: the first image belongs on the product, the shop beside it)."""
    queryset = _with_variant_flags(Product.objects.filter(shop__slug=shop_slug, **key)).order_by()
    queryset = queryset.annotate(first_image=first_image_annotation(OuterRef("pk")))
    columns = (*_PRODUCT_FIELDS, *(f"shop__{name}" for name in _SHOP_FIELDS), "has_items", "has_types")
    return queryset.values_list(*columns, "first_image")


# Compiled once per process (api.compiled: compiling it took more CPU than running it). No slug holds a NUL
# (PostgreSQL text cannot) and no id is negative: the stand-ins are never a real value.
_PRODUCT_BY_ID = CompiledQuery(_product_lookup, shop_slug="\x00shop-slug", id=-1)
_PRODUCT_BY_SLUG = CompiledQuery(_product_lookup, shop_slug="\x00shop-slug", slug="\x00product-slug")


def _product_with_shop_get(
    *, shop_slug: str, product_id: int | None, product_slug: str | None, throttle: Sequence[Window]
) -> Product | None:
    """The product by id (or else by slug) of the shop of that slug, with its shop, variant flags and
    `first_image` (as `orders.selectors.cart_of_written` sets it); the `throttle` windows taken in the same
    statement."""
    if product_id is None and not product_slug:
        take_or_refuse(throttle)
        return None
    if product_id is not None:
        rows = take_with_rows(throttle, _PRODUCT_BY_ID, shop_slug=shop_slug, id=product_id)
    else:
        rows = take_with_rows(throttle, _PRODUCT_BY_SLUG, shop_slug=shop_slug, slug=product_slug)
    if not rows:
        return None
    row = rows[0]
    # The row made into models as the ORM makes them (each column the field's Python value).
    alias = router.db_for_read(Product)
    products, shops = len(_PRODUCT_FIELDS), len(_SHOP_FIELDS)
    product = Product.from_db(alias, _PRODUCT_FIELDS, row[:products])
    product.shop = Shop.from_db(alias, _SHOP_FIELDS, row[products : products + shops])
    # Attributes the query annotates: not fields of the model's type.
    product.has_items, product.has_types = row[products + shops : products + shops + 2]  # type: ignore[attr-defined]
    product.first_image = first_image_of_column(row[-1])  # type: ignore[attr-defined]
    return product


def _product_get(
    *,
    shop: Shop | None,
    shop_slug: str,
    product_id: int | None,
    product_slug: str | None,
    today: date,
    throttle: Sequence[Window],
) -> Product:
    """The shop's product by id (or else by slug), on sale today, knowing whether it has inventory items
    and variant types; a 404 otherwise. Given the shop's slug instead of the shop, the shop is read with the
    product (one query, `product.shop`, which takes the `throttle` windows too) and an unknown shop is the 404
    `shop_get_public_plain` answers."""
    if shop is None:
        product = _product_with_shop_get(
            shop_slug=shop_slug, product_id=product_id, product_slug=product_slug, throttle=throttle
        )
        if product is None:
            shop_get_public_plain(slug=shop_slug)  # on this path only: is it the shop that is unknown?
    else:
        take_or_refuse(throttle)
        products = _with_variant_flags(Product.objects.filter(shop=shop).select_related("shop"))
        product = products.filter(id=product_id).first() if product_id is not None else None
        if product is None and product_id is None and product_slug:
            product = products.filter(slug=product_slug).first()
    if product is None or not is_on_sale(product, today=today):
        raise Http404("No such product.")
    return product


def cart_item_add(
    *,
    shop: Shop | None = None,
    shop_slug: str = "",
    cart_token: str | None = None,
    product_id: int | None = None,
    product_slug: str | None = None,
    quantity: int = 1,
    inventory_item_id: int | None = None,
    options: list[tuple[int, int]] | None = None,
    today: date | None = None,
    throttle: Sequence[Window] = (),
) -> CartItemAdded:
    """Add `quantity` of a product (or one of its variants) to the cart of `cart_token`, or to a new cart
    when the token is missing, unknown, of another shop or of a cart that is no longer active.

    The shop is `shop`, or the one of `shop_slug` (read with the product). A product that is not on sale today
    (not active, or outside its availability window) is a 404, and so is an unknown shop.

    `throttle`: rate-limit windows to take before anything else is decided (`api.throttling`), in the same
    statement as the product's read; a refusal raises `TryAgainLater`.

    The product and its variant are read before any transaction: nothing locks them (carts hold no stock), so
    a transaction would see them as they are anyway. Without a token there is nothing to lock either, and the new
    cart and its line are written in one statement (atomic on its own); with one, the cart is locked and its
    lines read and written in a transaction. Either way every check comes before the first write."""
    product = _product_get(
        shop=shop,
        shop_slug=shop_slug,
        product_id=product_id,
        product_slug=product_slug,
        today=today or timezone.localdate(),
        throttle=throttle,
    )
    item, key = _variant_resolve(product=product, inventory_item_id=inventory_item_id, options=options)
    if not cart_token:
        return _cart_new_with_line(product=product, item=item, key=key, quantity=quantity)
    with transaction.atomic():
        return _cart_item_add_to(cart_token=cart_token, product=product, item=item, key=key, quantity=quantity)


def _line_new(*, cart: Cart, product: Product, item: ProductInventoryItem | None, key: str, total: int) -> CartItem:
    line = CartItem(cart=cart, product=product, inventory_item=item, option_key=key, quantity=total)
    # The cart, product and item were just read: only the line's own fields need checking.
    line.full_clean(exclude=["cart", "product", "inventory_item"], validate_constraints=False)
    return line


def _checked_total(*, product: Product, item: ProductInventoryItem | None, total: int, elsewhere: int) -> None:
    if total > MAX_LINE_QUANTITY:
        raise ValidationError({"quantity": [f"A line holds at most {MAX_LINE_QUANTITY} units."]})
    quantity_check(product=product, item=item, quantity=total + elsewhere)


def _cart_new_with_line(
    *, product: Product, item: ProductInventoryItem | None, key: str, quantity: int
) -> CartItemAdded:
    """A new cart of the product's shop holding one line, written in one statement."""
    _checked_total(product=product, item=item, total=quantity, elsewhere=0)
    now = timezone.now()
    cart = Cart(shop=product.shop, token=cart_token_new(), status=CartStatus.ACTIVE.value)
    line = _line_new(cart=cart, product=product, item=item, key=key, total=quantity)
    cart_statements.cart_and_line_insert(cart=cart, line=line, now=now)
    return CartItemAdded(cart=cart, line=line, created=True, lines=[line])


def _cart_item_add_to(
    *, cart_token: str, product: Product, item: ProductInventoryItem | None, key: str, quantity: int
) -> CartItemAdded:
    """The add, in a transaction, to the active cart of this token and the product's shop (locked), or to a
    new cart when there is none."""
    shop = product.shop
    cart = cart_statements.cart_lock(token=cart_token, shop_id=shop.id)
    if cart is None:
        return _cart_new_with_line(product=product, item=item, key=key, quantity=quantity)
    cart.shop = shop
    # The cart's lines, read once (at most MAX_CART_LINES) with what the answer shows of them.
    lines = cart_statements.cart_lines(cart=cart)
    line = next(
        (
            line
            for line in lines
            if (line.product_id, line.inventory_item_id, line.option_key) == (product.id, item and item.id, key)
        ),
        None,
    )
    total = quantity + (line.quantity if line else 0)
    stock = StockLine(product_id=product.id, item_id=item.id if item else None, quantity=total)
    elsewhere = sum(
        other.quantity for other in lines if other is not line and _cart_stock_line(other).stock == stock.stock
    )
    _checked_total(product=product, item=item, total=total, elsewhere=elsewhere)

    created = line is None
    if line is None:
        if len(lines) >= MAX_CART_LINES:
            raise ValidationError(f"A cart holds at most {MAX_CART_LINES} lines.")
        line = _line_new(cart=cart, product=product, item=item, key=key, total=total)
        lines.append(line)
    else:
        line.quantity = total
    cart_statements.line_and_cart_write(cart=cart, line=line, now=timezone.now())
    return CartItemAdded(cart=cart, line=line, created=created, lines=lines)


def _cart_stock_line(line: CartItem) -> StockLine:
    return StockLine(product_id=line.product_id, item_id=line.inventory_item_id, quantity=line.quantity)


def _line_get(*, cart: Cart, item_id: int) -> CartItem:
    line = CartItem.objects.select_related("product", "inventory_item").filter(cart=cart, id=item_id).first()
    if line is None:
        raise Http404("No such cart item.")
    return line


@transaction.atomic
def cart_item_update(*, token: str, item_id: int, quantity: int, today: date | None = None) -> Cart:
    """Set a line's quantity. Lowering it always works; raising it checks, like an add, that the product
    is still on sale, the variant active and the stock enough."""
    cart = cart_lock(token=token)
    line = _line_get(cart=cart, item_id=item_id)
    if quantity > line.quantity:
        product, item = line.product, line.inventory_item
        still_available_check(product=product, item=item, today=today or timezone.localdate())
        elsewhere = _quantity_elsewhere_in_cart(cart=cart, product=product, item=item, line_id=line.id)
        quantity_check(product=product, item=item, quantity=quantity + elsewhere)
    line.quantity = quantity
    line.save(update_fields=["quantity", "updated_at"])
    cart.save(update_fields=["updated_at"])
    return cart


@transaction.atomic
def cart_item_remove(*, token: str, item_id: int) -> Cart:
    cart = cart_lock(token=token)
    _line_get(cart=cart, item_id=item_id).delete()
    cart.save(update_fields=["updated_at"])
    return cart


@transaction.atomic
def carts_abandon_stale(*, idle_for: timedelta, now: datetime | None = None) -> tuple[int, int]:
    """Active carts untouched for `idle_for` become abandoned and lose their lines; abandoned carts idle for
    twice as long are deleted (orders never point at them: only converted carts have orders).
    Returns (abandoned, deleted)."""
    now = now or timezone.now()
    stale = Cart.objects.filter(status=CartStatus.ACTIVE, updated_at__lt=now - idle_for)
    stale_ids = list(stale.values_list("id", flat=True))
    CartItem.objects.filter(cart_id__in=stale_ids).delete()
    abandoned = Cart.objects.filter(id__in=stale_ids).update(status=CartStatus.ABANDONED, updated_at=now)
    _, deleted = Cart.objects.filter(status=CartStatus.ABANDONED, updated_at__lt=now - 2 * idle_for).delete()
    return abandoned, deleted.get(Cart._meta.label, 0)
