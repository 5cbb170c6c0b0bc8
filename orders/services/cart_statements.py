"""The statements of a cart add to an existing cart, compiled once per process: lock the cart, read its lines (with
their products, items and first images), write the line and the cart's updated_at in one statement.

The reads are compiled once per process by api.compiled (compiling them took more CPU than running them) with
stand-in values: no token holds a NUL (PostgreSQL text cannot) and no id is negative, so a stand-in is never a
real value. The writes are hand-written because the ORM writes one table a statement."""

from datetime import datetime

from django.db import connections, router
from django.db.models import OuterRef, QuerySet

from api.compiled import CompiledQuery
from orders.models import Cart, CartItem, CartStatus
from shops.first_image import first_image_annotation, first_image_of_column
from shops.models import Product, ProductInventoryItem

_LINE_FIELDS = tuple(field.attname for field in CartItem._meta.concrete_fields)
_PRODUCT_FIELDS = tuple(field.attname for field in Product._meta.concrete_fields)
_ITEM_FIELDS = tuple(field.attname for field in ProductInventoryItem._meta.concrete_fields)


def _carts(*, token: str, shop_id: int) -> QuerySet[Cart]:
    return Cart.objects.select_for_update().filter(token=token, shop_id=shop_id, status=CartStatus.ACTIVE).order_by()


def _lines(*, cart_id: int) -> QuerySet[CartItem]:
    columns = (
        *_LINE_FIELDS,
        *(f"product__{name}" for name in _PRODUCT_FIELDS),
        *(f"inventory_item__{name}" for name in _ITEM_FIELDS),
    )
    return (
        CartItem.objects.filter(cart_id=cart_id)
        .annotate(first_image=first_image_annotation(OuterRef("product_id")))
        .order_by("created_at", "id")
        .values_list(*columns, "first_image")
    )


# The lines as rows (`rows`), made into models below: the first image belongs on the product, not on the line.
_CART_LOCK = CompiledQuery(_carts, token="\x00cart-token", shop_id=-2)  # noqa: S106 - a stand-in, not a secret
_CART_LINES = CompiledQuery(_lines, cart_id=-3)


def cart_lock(*, token: str, shop_id: int) -> Cart | None:
    """The active cart of this token and shop, locked for the rest of the transaction (which must be open)."""
    carts = _CART_LOCK.run(token=token, shop_id=shop_id)
    return carts[0] if carts else None


def cart_lines(*, cart: Cart) -> list[CartItem]:
    """The cart's lines in its order, each with its product (whose `first_image` is set, as
    `orders.selectors.cart_of_written` sets it) and inventory item, as the ORM's select_related makes them."""
    alias = router.db_for_read(CartItem)
    rows = _CART_LINES.rows(cart_id=cart.id)
    found = []
    line_end = len(_LINE_FIELDS)
    product_end = line_end + len(_PRODUCT_FIELDS)
    item_end = product_end + len(_ITEM_FIELDS)
    for row in rows:
        # The columns as the ORM converts them (the first image's JSON loaded), each the field's Python value.
        line = CartItem.from_db(alias, _LINE_FIELDS, row[:line_end])
        line.cart = cart
        line.product = Product.from_db(alias, _PRODUCT_FIELDS, row[line_end:product_end])
        # An attribute set here for the JSON builders: not a field of the model's type.
        line.product.first_image = first_image_of_column(row[-1])  # type: ignore[attr-defined]
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
