"""The statements of a cart add to an existing cart, compiled once per process: lock the cart, read its lines (with
their products, items and first images), write the line and the cart's updated_at in one statement.

The reads are built by the ORM once with stand-in values, each replaced by the request's value (compiling them
took more CPU than running them); the writes are hand-written because the ORM writes one table a statement. No
token holds a NUL (PostgreSQL text cannot) and no id is negative, so the stand-ins are never a real value."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connections, router
from django.db.models import Func, JSONField, OuterRef, QuerySet, Subquery

from orders.models import Cart, CartItem, CartStatus
from shops.models import Product, ProductImage, ProductInventoryItem

_TOKEN, _SHOP_ID, _CART_ID = "\x00cart-token", -2, -3
_CART_FIELDS = tuple(field.attname for field in Cart._meta.concrete_fields)
_LINE_FIELDS = tuple(field.attname for field in CartItem._meta.concrete_fields)
_PRODUCT_FIELDS = tuple(field.attname for field in Product._meta.concrete_fields)
_ITEM_FIELDS = tuple(field.attname for field in ProductInventoryItem._meta.concrete_fields)
_compiled: dict[str, tuple[str, list[Any]]] = {}


def first_image_of(product: Any) -> Subquery:
    """The first image (by position) of `product` (an OuterRef) as a JSON array [id, object name, alt text], or
    NULL: what a cart line shows of its product's images, read with the row it belongs to."""
    first = Func("id", "image", "alt_text", function="JSONB_BUILD_ARRAY", output_field=JSONField())
    images = ProductImage.objects.filter(product=product).order_by("position", "id")
    return Subquery(images.values_list(first)[:1], output_field=JSONField())


def first_image_of_row(value: str | None) -> tuple[int, str, str] | None:
    """`first_image_of`'s column as a raw cursor gives it (Django loads jsonb as text) -> (id, name, alt text)."""
    if value is None:
        return None
    image_id, name, alt_text = json.loads(value)
    return image_id, name, alt_text


def compiled_once(
    name: str, queryset: Callable[[], QuerySet[Any]], stand_ins: tuple[Any, ...]
) -> tuple[str, list[Any]]:
    """The SQL and parameters of the `queryset()` built and compiled on the first call of this name (building it
    costs as much as compiling it): each stand-in must be among the parameters once, to be replaced by
    `execute_compiled`."""
    compiled = _compiled.get(name)
    if compiled is None:
        sql, params = queryset().query.sql_with_params()
        found = [param for param in params if type(param) in (str, int) and param in stand_ins]
        if sorted(found, key=repr) != sorted(stand_ins, key=repr):
            raise RuntimeError(f"The compiled {name} takes the stand-ins once each: {params}")
        compiled = _compiled[name] = (sql, list(params))
    return compiled


def execute_compiled(alias: str, compiled: tuple[str, list[Any]], values: dict[Any, Any]) -> list[tuple[Any, ...]]:
    sql, template = compiled
    # The stand-ins replaced; the query's own constants (a status, psycopg's Int4(1) of an EXISTS) kept.
    params = [values.get(param, param) if type(param) in (str, int) else param for param in template]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def cart_lock(*, token: str, shop_id: int) -> Cart | None:
    """The active cart of this token and shop, locked for the rest of the transaction (which must be open)."""

    def carts() -> QuerySet[Cart]:
        carts = Cart.objects.select_for_update().filter(token=_TOKEN, shop_id=_SHOP_ID, status=CartStatus.ACTIVE)
        return carts.order_by().values_list(*_CART_FIELDS)

    alias = router.db_for_write(Cart)
    compiled = compiled_once("cart lock", carts, (_TOKEN, _SHOP_ID))
    rows = execute_compiled(alias, compiled, {_TOKEN: token, _SHOP_ID: shop_id})
    return Cart.from_db(alias, _CART_FIELDS, rows[0]) if rows else None


def cart_lines(*, cart: Cart) -> list[CartItem]:
    """The cart's lines in its order, each with its product (whose `first_image` is set, as
    `orders.selectors.cart_of_written` sets it) and inventory item, as the ORM's select_related makes them."""

    def lines() -> QuerySet[CartItem]:
        columns = (
            *_LINE_FIELDS,
            *(f"product__{name}" for name in _PRODUCT_FIELDS),
            *(f"inventory_item__{name}" for name in _ITEM_FIELDS),
        )
        return (
            CartItem.objects.filter(cart_id=_CART_ID)
            .annotate(first_image=first_image_of(OuterRef("product_id")))
            .order_by("created_at", "id")
            .values_list(*columns, "first_image")
        )

    alias = router.db_for_read(CartItem)
    rows = execute_compiled(alias, compiled_once("cart lines", lines, (_CART_ID,)), {_CART_ID: cart.id})
    found = []
    line_end = len(_LINE_FIELDS)
    product_end = line_end + len(_PRODUCT_FIELDS)
    item_end = product_end + len(_ITEM_FIELDS)
    for row in rows:
        # Every column is of a type psycopg gives as the field's Python value (no converters to apply).
        line = CartItem.from_db(alias, _LINE_FIELDS, row[:line_end])
        line.cart = cart
        line.product = Product.from_db(alias, _PRODUCT_FIELDS, row[line_end:product_end])
        # An attribute set here for the JSON builders: not a field of the model's type.
        line.product.first_image = first_image_of_row(row[-1])  # type: ignore[attr-defined]
        item = row[product_end:item_end]
        line.inventory_item = None if item[0] is None else ProductInventoryItem.from_db(alias, _ITEM_FIELDS, item)
        found.append(line)
    return found


_CART_AND_LINE_INSERT = f"""
    WITH cart AS (
        INSERT INTO {Cart._meta.db_table} (shop_id, token, status, created_at, updated_at)
        VALUES (%s, %s, %s, %s, %s) RETURNING id
    ), line AS (
        INSERT INTO {CartItem._meta.db_table}
            (cart_id, product_id, inventory_item_id, option_key, quantity, created_at, updated_at)
        SELECT cart.id, %s, %s, %s, %s, %s, %s FROM cart RETURNING id
    )
    SELECT cart.id, line.id FROM cart, line
"""  # noqa: S608 - the models' tables
_CART_TOUCH = f"UPDATE {Cart._meta.db_table} SET updated_at = %s WHERE id = %s"  # noqa: S608 - the model's table
_LINE_INSERT_AND_CART_TOUCH = f"""
    WITH cart AS ({_CART_TOUCH})
    INSERT INTO {CartItem._meta.db_table}
        (cart_id, product_id, inventory_item_id, option_key, quantity, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id
"""  # noqa: S608 - the models' tables
_LINE_QUANTITY_AND_CART_TOUCH = f"""
    WITH cart AS ({_CART_TOUCH})
    UPDATE {CartItem._meta.db_table} SET quantity = %s, updated_at = %s WHERE id = %s
"""  # noqa: S608 - the models' tables


def line_and_cart_write(*, cart: Cart, line: CartItem, now: datetime) -> None:
    """Insert `line` (when it has no id) or write its quantity, and the cart's updated_at, in one statement;
    both `updated_at` become `now`, on the instances too."""
    cart.updated_at = line.updated_at = now
    alias = router.db_for_write(CartItem)
    with connections[alias].cursor() as cursor:
        if line.id is None:
            line.created_at = now
            row = (line.cart_id, line.product_id, line.inventory_item_id, line.option_key, line.quantity, now, now)
            cursor.execute(_LINE_INSERT_AND_CART_TOUCH, [now, cart.id, *row])
            (line.id,) = cursor.fetchone()
            # Where the ORM's save() marks an instance as stored (a later save() then updates, not inserts).
            line._state.adding, line._state.db = False, alias  # noqa: SLF001
        else:
            cursor.execute(_LINE_QUANTITY_AND_CART_TOUCH, [now, cart.id, line.quantity, now, line.id])


def cart_and_line_insert(*, cart: Cart, line: CartItem, now: datetime) -> None:
    """Insert a new `cart` and its one `line` in one statement (the line takes the cart's new id); their
    `created_at` and `updated_at` become `now`, on the instances too. Two ORM inserts were two round trips and
    two compiles."""
    cart.created_at = cart.updated_at = line.created_at = line.updated_at = now
    alias = router.db_for_write(Cart)
    with connections[alias].cursor() as cursor:
        cursor.execute(
            _CART_AND_LINE_INSERT,
            [
                *(cart.shop_id, cart.token, cart.status, now, now),
                *(line.product_id, line.inventory_item_id, line.option_key, line.quantity, now, now),
            ],
        )
        cart.id, line.id = cursor.fetchone()
    for written in (cart, line):
        # Where the ORM's save() marks an instance as stored (a later save() then updates, not inserts).
        written._state.adding, written._state.db = False, alias  # noqa: SLF001
    line.cart = cart
