"""Checkout: a cart becomes an order in one transaction, at today's prices, taking tracked stock under row
locks so that concurrent checkouts never sell more than there is."""

import functools
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Field, Model
from django.http import Http404
from django.utils import timezone

from api.compiled import CompiledQuery
from events.bus import EventType, emit
from orders.mails import order_placed_mails_queue
from orders.models import Cart, CartItem, CartStatus, Order, OrderItem
from shops.models import Product, ProductInventoryItem, ProductVariantOption, ProductVariantType
from shops.pricing import unit_price
from shops.stock import LockedStock, StockLine, quantity_check, stock_lock, stock_take
from shops.variants import combination_options, option_entries, option_ids, option_label

# Crockford's base 32 (no I, L, O, U): 10 characters are 50 random bits per day.
ORDER_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NUMBER_ATTEMPTS = 5


class IdempotencyKeyConflict(Exception):
    """The idempotency key was already used for another cart's checkout in this shop."""


class IdempotencyKeyMismatch(Exception):
    """The idempotency key was already used for this cart's checkout, with another body."""


def checkout_fingerprint(**fields: Any) -> str:
    """SHA-256 of the checkout's fields in a canonical form: sorted keys, no whitespace; the caller passes
    a missing field as its default, so that leaving it out and sending it empty are the same body."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    # False when an earlier checkout with the same idempotency key made the order.
    created: bool
    # The new order's lines as written, each with its locked product (None for a replay).
    lines: list[OrderItem] | None = None


def order_number_new() -> str:
    """ "YYMMDD-" and 10 random characters, e.g. "261124-7KQ2M9XH0C"."""
    random_part = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(10))
    return f"{timezone.now():%y%m%d}-{random_part}"


@dataclass
class _Line:
    cart_line: CartItem
    product: Product
    item: ProductInventoryItem | None
    options: list[dict[str, Any]]


@dataclass
class _Combinations:
    """What checking the lines of option combinations without inventory items needs, read in bulk."""

    with_items: set[int]  # products that have inventory items (so every line of theirs needs one)
    options: dict[int, ProductVariantOption]  # the chosen options still there, with their types
    type_ids: dict[int, set[int]]  # the variant types of each product with such lines

    def line_options(self, cart_line: CartItem, product: Product) -> list[ProductVariantOption]:
        chosen = combination_options(
            key=cart_line.option_key,
            product_id=product.id,
            options=self.options,
            type_ids=self.type_ids.get(product.id, set()) if cart_line.option_key else set(),
        )
        if chosen is None or product.id in self.with_items:
            # The product's variants changed since the line was added: the buyer must choose again.
            raise ValidationError(f"{product.name} is no longer available in this variant")
        return chosen


def _combinations_load(*, cart_lines: list[CartItem], products: Iterable[Product]) -> _Combinations:
    # An attribute annotated by the query that read them: not a field of the model's type.
    with_items = {product.id for product in products if product.has_items}  # type: ignore[attr-defined]
    keyed = [line for line in cart_lines if line.option_key]
    if not keyed:
        return _Combinations(with_items=with_items, options={}, type_ids={})
    chosen_ids = [option_id for line in keyed for option_id in option_ids(line.option_key)]
    options = {
        option.id: option
        for option in ProductVariantOption.objects.filter(id__in=chosen_ids).select_related("variant_type")
    }
    type_ids: dict[int, set[int]] = {}
    for type_id, product_id in ProductVariantType.objects.filter(
        product_id__in=[line.product_id for line in keyed]
    ).values_list("id", "product_id"):
        type_ids.setdefault(product_id, set()).add(type_id)
    return _Combinations(with_items=with_items, options=options, type_ids=type_ids)


# The checkout's own reads of the cart, compiled once per process (api.compiled: compiling them took more CPU
# than running them). The stand-ins: no token holds a NUL, no id is negative.
_CART_LOCKED = CompiledQuery(
    lambda cart_token: (
        Cart.objects.select_for_update(of=("self",))
        .select_related("shop__owner")
        .filter(token=cart_token)
        .order_by("pk")[:1]
    ),
    cart_token="\x00cart-token",  # noqa: S106 - a stand-in (see above), never a credential
)
_CART_LINES = CompiledQuery(
    lambda cart_id: CartItem.objects.filter(cart_id=cart_id).order_by("created_at", "id"), cart_id=-1
)


def _lines_checked(*, cart: Cart, today: date) -> tuple[list[_Line], LockedStock]:
    """The cart's lines with their products and items locked and read afresh, each still on sale, active and
    in stock for the whole quantity the cart takes of it."""
    cart_lines = _CART_LINES.run(cart_id=cart.id)
    if not cart_lines:
        raise ValidationError("Cart is empty")
    stock_lines = [_stock_line(cart_line) for cart_line in cart_lines]
    # The answer shows each product's first image: read with the lock (one query fewer after the commit).
    stock = stock_lock(lines=stock_lines, with_first_image=True)
    combinations = _combinations_load(cart_lines=cart_lines, products=stock.products.values())
    lines: list[_Line] = []
    taken: dict[tuple[str, int | None], int] = {}
    for cart_line, stock_line in zip(cart_lines, stock_lines, strict=True):
        product, item = stock.line_sellable(stock_line, today=today)
        options = item.options.all() if item is not None else combinations.line_options(cart_line, product)
        taken[stock_line.stock] = taken.get(stock_line.stock, 0) + stock_line.quantity
        quantity_check(product=product, item=item, quantity=taken[stock_line.stock])
        lines.append(_Line(cart_line=cart_line, product=product, item=item, options=option_entries(options)))
    return lines, stock


def _stock_line(cart_line: CartItem) -> StockLine:
    return StockLine(product_id=cart_line.product_id, item_id=cart_line.inventory_item_id, quantity=cart_line.quantity)


def _insert_fields(model: type[Model], *, without: str = "") -> list["Field[Any, Any]"]:
    """The columns an INSERT of `model` writes (as the ORM's: no key, no generated column)."""
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not field.generated and field.attname != without
    ]


@functools.lru_cache(maxsize=64)
def _order_place_sql(*, line_count: int) -> str:
    """The order, its `line_count` lines and the cart's conversion in one statement (three round trips were
    three statements): the order inserted ON CONFLICT DO NOTHING, and the cart converted and the lines inserted
    only when it was (none is when its number or idempotency key was taken: the caller draws again). Built once
    per process and number of lines from the models' columns; the values are parameters, as the ORM prepares
    them (typed in the lines' VALUES, which do not take their columns' types as an INSERT's VALUES do)."""
    connection = connections[router.db_for_write(Order)]
    quote = connection.ops.quote_name
    order_fields, line_fields = _insert_fields(Order), _insert_fields(OrderItem, without="order_id")
    line_columns = ", ".join(quote(str(field.column)) for field in line_fields)
    line_values = ", ".join(
        ["%s::integer", *(f"%s::{str(field.db_type(connection)).split('(')[0]}" for field in line_fields)]
    )
    return f"""
        WITH placed AS (
            INSERT INTO {quote(Order._meta.db_table)} ({", ".join(quote(str(field.column)) for field in order_fields)})
            VALUES ({", ".join(["%s"] * len(order_fields))}) ON CONFLICT DO NOTHING RETURNING id
        ), converted AS (
            UPDATE {quote(Cart._meta.db_table)} SET status = %s, updated_at = %s
            WHERE id = %s AND EXISTS (SELECT FROM placed)
        )
        INSERT INTO {quote(OrderItem._meta.db_table)} (order_id, {line_columns})
        SELECT placed.id, {", ".join(f"line.{quote(str(field.column))}" for field in line_fields)}
        FROM placed, (VALUES {", ".join([f"({line_values})"] * line_count)}) AS line (position, {line_columns})
        ORDER BY line.position
        RETURNING order_id, id
    """  # noqa: S608 - the models' own table and column names and placeholders; every value is a parameter


def _prepared(obj: Model, fields: list["Field[Any, Any]"], connection: Any) -> list[Any]:
    """The row's values as the ORM's INSERT prepares them (auto_now stamps, defaults, JSON)."""
    return [field.get_db_prep_save(field.pre_save(obj, add=True), connection=connection) for field in fields]


def _order_place(*, order: Order, lines: list[OrderItem], cart: Cart) -> None:
    """Save the new order with its lines and mark the cart converted (`_order_place_sql`: one statement), under a
    fresh order number, drawing another on the (2^-50) chance of a collision. A number or idempotency key taken
    inserts nothing instead of failing, so no savepoint is needed to go on in the transaction."""
    alias = router.db_for_write(Order)
    connection = connections[alias]
    sql = _order_place_sql(line_count=len(lines))
    order_fields, line_fields = _insert_fields(Order), _insert_fields(OrderItem, without="order_id")
    cart.status, cart.updated_at = CartStatus.CONVERTED, timezone.now()
    for _attempt in range(ORDER_NUMBER_ATTEMPTS):
        order.order_number = order_number_new()
        params = [
            *_prepared(order, order_fields, connection),
            cart.status,
            cart.updated_at,
            cart.id,
            *(
                value
                for position, line in enumerate(lines)
                for value in [position, *_prepared(line, line_fields, connection)]
            ),
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.fetchall()
        if inserted:
            # What save() and bulk_create leave: saved rows, the lines pointing at their order.
            order.pk = inserted[0][0]
            order._state.adding, order._state.db = False, alias  # noqa: SLF001 - Django's own bookkeeping
            for line, (_order_id, line_id) in zip(lines, inserted, strict=True):
                line.pk, line.order_id = line_id, order.pk
                line._state.adding, line._state.db = False, alias  # noqa: SLF001 - Django's own bookkeeping
            return
        if order.idempotency_key and (
            Order.objects.filter(shop_id=order.shop_id, idempotency_key=order.idempotency_key).exists()
        ):
            raise IdempotencyKeyConflict
    raise IntegrityError(f"No free order number in {ORDER_NUMBER_ATTEMPTS} attempts.")


def cart_checkout(*, token: str, **fields: Any) -> CheckoutResult:
    """`cart_checkout_in_transaction` in a transaction of its own."""
    with transaction.atomic():
        return cart_checkout_in_transaction(token=token, **fields)


def cart_checkout_in_transaction(
    *,
    token: str,
    customer_name: str,
    customer_email: str,
    customer_phone: str = "",
    notes: str = "",
    shipping_address: dict[str, str] | None = None,
    billing_address: dict[str, str] | None = None,
    idempotency_key: str = "",
    today: date | None = None,
) -> CheckoutResult:
    """Turn the cart into an order: every line re-read and re-checked under lock, priced at today's price,
    tracked stock taken, the cart marked converted, the buyer's confirmation and the seller's notice queued.

    With an idempotency key that an earlier checkout of this cart used with the same fields, that order is
    returned and nothing is written; with other fields, IdempotencyKeyMismatch. A converted (or abandoned, or
    unknown) cart is otherwise a 404; a key used by another cart raises IdempotencyKeyConflict. Two checkouts
    of one cart never run at once (the cart row is locked): the second waits, then replays or is refused.

    Precondition: called inside the caller's transaction.atomic() block, which any exception raised here ends
    (it opens no savepoint of its own: a pair of round trips saved). `cart_checkout` is the one that opens it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("cart_checkout_in_transaction runs inside its caller's transaction.atomic().")
    found = _CART_LOCKED.run(cart_token=token)
    if not found:
        raise Http404("No such cart.")
    cart = found[0]
    fingerprint = checkout_fingerprint(
        customer_name=customer_name,
        customer_email=customer_email,
        customer_phone=customer_phone,
        notes=notes,
        shipping_address=shipping_address or {},
        billing_address=billing_address or {},
    )
    if idempotency_key:
        earlier = Order.objects.filter(shop=cart.shop, idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.cart_id != cart.id:
                raise IdempotencyKeyConflict
            # An order from before fingerprints were kept ("") replays as it always did.
            if earlier.request_fingerprint and earlier.request_fingerprint != fingerprint:
                raise IdempotencyKeyMismatch
            return CheckoutResult(order=earlier, created=False)
    if cart.status != CartStatus.ACTIVE:
        raise Http404("No such cart.")

    lines, stock = _lines_checked(cart=cart, today=today or timezone.localdate())
    took = stock_take(stock=stock, lines=[_stock_line(line.cart_line) for line in lines])
    currency = cart.shop.currency
    prices = [unit_price(line.product, line.item) for line in lines]
    subtotal = sum((price * line.cart_line.quantity for price, line in zip(prices, lines, strict=True)), Decimal(0))
    order = Order(
        shop=cart.shop,
        cart=cart,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        currency=currency,
        subtotal_amount=subtotal,
        total_amount=subtotal,
        customer_name=customer_name,
        customer_email=customer_email,
        customer_phone=customer_phone,
        notes=notes,
        shipping_address=shipping_address or {},
        billing_address=billing_address or {},
    )
    # The shop and cart were just read (and the cart locked): only the order's own fields need checking.
    order.full_clean(exclude=["order_number", "shop", "cart"], validate_unique=False, validate_constraints=False)
    order_lines = [
        OrderItem(
            order=order,
            product=line.product,
            inventory_item=line.item,
            product_name=line.product.name,
            product_slug=line.product.slug,
            sku=(line.item.sku if line.item is not None and line.item.sku else line.product.sku),
            option_label=option_label(line.options),
            options=line.options,
            unit_price=price,
            quantity=line.cart_line.quantity,
            subtotal_amount=price * line.cart_line.quantity,
            stock_taken=line_took,
        )
        for price, line, line_took in zip(prices, lines, took, strict=True)
    ]
    _order_place(order=order, lines=order_lines, cart=cart)
    # To the owner's account address (always there, and theirs), not the shop's public contact address.
    order_placed_mails_queue(order=order, lines=order_lines, seller_email=cart.shop.owner.email)
    emit(shop_id=order.shop_id, type=EventType.ORDER_CREATED, object_id=order.id)
    return CheckoutResult(order=order, created=True, lines=order_lines)
