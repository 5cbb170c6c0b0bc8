"""Stock and availability rules, in one place for the catalogue, the storefront, carts and checkout: what
is on sale, how many can be bought, and the stock rows locked, checked, taken and given back.

Carts and orders speak to it in plain lines (product id, inventory item id, quantity), so the catalogue
knows nothing of them. Every writer locks products first, then inventory items, each in id order: two
transactions never hold one row the other waits for, so concurrent checkouts queue instead of deadlocking.
Locking the product before its items also serialises `refresh_product_stock`, which sums the items and
writes the product."""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from api.compiled import CompiledQuery
from shops.first_image import first_image_annotation, first_image_of_column
from shops.models import (
    Product,
    ProductInventoryItem,
    ProductStatus,
    ProductVariantOption,
    StockStatus,
)
from shops.storefront_cache import storefront_changed


def effective_stock_status(product: Product) -> str:
    """What customers see: a tracked product at 0 is out of stock, and is back as soon as stock returns
    (computed, never stored, so it cannot get stuck)."""
    if product.stock_status == StockStatus.LIMITED and product.stock_quantity == 0:
        return StockStatus.OUT_OF_STOCK
    return product.stock_status


def is_on_sale(product: Product, *, today: date) -> bool:
    """Active, and inside its availability window (either end may be open)."""
    if product.status != ProductStatus.ACTIVE:
        return False
    if product.available_from and today < product.available_from:
        return False
    return not (product.available_to and today > product.available_to)


def on_sale_filter(*, today: date) -> Q:
    """`is_on_sale` as a query filter on Product."""
    return (
        Q(status=ProductStatus.ACTIVE)
        & (Q(available_from__isnull=True) | Q(available_from__lte=today))
        & (Q(available_to__isnull=True) | Q(available_to__gte=today))
    )


def in_stock_filter() -> Q:
    """Products customers can buy now, as a query filter (the effective status is not out_of_stock)."""
    return Q(stock_status=StockStatus.IN_STOCK) | Q(stock_status=StockStatus.LIMITED, stock_quantity__gt=0)


def available_quantity(product: Product, item: ProductInventoryItem | None) -> int | None:
    """How many can be bought now: None means unlimited (stock not tracked)."""
    if product.stock_status == StockStatus.OUT_OF_STOCK or (item is not None and not item.is_active):
        return 0
    if product.stock_status == StockStatus.IN_STOCK:
        return None
    return item.stock_quantity if item is not None else product.stock_quantity


# What the storefront answers as `stock_quantity` when the shop hides quantities and some can be bought: the
# same for 1 or 10,000 units, so it tells nothing but "buyable" (the existing frontend's product page decides
# that from stock_quantity > 0, and may offer up to this many in its quantity picker).
HIDDEN_STOCK_QUANTITY = 99


def storefront_stock_quantity(product: Product, item: ProductInventoryItem | None) -> int:
    """The `stock_quantity` customers see: the exact count when the shop shows quantities; otherwise 0 when
    none can be bought and HIDDEN_STOCK_QUANTITY when some can (tracked or not)."""
    if product.shop.show_stock_quantity:
        return item.stock_quantity if item is not None else product.stock_quantity
    return 0 if available_quantity(product, item) == 0 else HIDDEN_STOCK_QUANTITY


def not_enough_stock_message(product: Product, available: int) -> str:
    """The refusal of a cart or checkout quantity beyond the stock: it tells the count only when the shop
    shows quantities."""
    if product.shop.show_stock_quantity:
        return f"Only {available} of {product.name} left in stock"
    return f"Not enough of {product.name} in stock for this quantity"


def refresh_product_stock(product: Product) -> None:
    """With inventory items, the product's stock_quantity is the sum of its active items' stock. Call it in
    the transaction that changed the items."""
    items = ProductInventoryItem.objects.filter(product=product)
    if not items.exists():
        return
    total = items.filter(is_active=True).aggregate(total=Sum("stock_quantity"))["total"] or 0
    if product.stock_quantity != total:
        product.stock_quantity = total
        product.save(update_fields=["stock_quantity", "updated_at"])


@dataclass(frozen=True)
class StockLine:
    """`quantity` units of a product, or of one of its inventory items. `product_id` is None when an order
    line's product has since been deleted."""

    product_id: int | None
    item_id: int | None
    quantity: int

    @property
    def stock(self) -> tuple[str, int | None]:
        """Which stock the line draws on: its inventory item, or else its product's own stock (lines of
        option combinations without inventory items share it)."""
        return ("item", self.item_id) if self.item_id is not None else ("product", self.product_id)


@dataclass(frozen=True)
class LockedStock:
    """Products and inventory items locked and read afresh, by id (a deleted one is missing)."""

    products: dict[int, Product]
    items: dict[int, ProductInventoryItem]

    def line_product(self, line: StockLine) -> Product:
        """The line's product, or the refusal a checkout shows when it was deleted since the line was read."""
        product = self.products.get(line.product_id) if line.product_id is not None else None
        if product is None:
            raise ValidationError("A product in the cart is no longer available")
        return product

    def line_item(self, line: StockLine) -> ProductInventoryItem | None:
        return self.items.get(line.item_id) if line.item_id is not None else None

    def line_sellable(self, line: StockLine, *, today: date) -> tuple[Product, ProductInventoryItem | None]:
        """The line's product and inventory item, both still there, on sale and active (the quantity is
        checked apart, for the whole quantity a cart takes of one stock: see `quantity_check`)."""
        product, item = self.line_product(line), self.line_item(line)
        still_available_check(product=product, item=item, today=today, item_gone=line.item_id is not None and not item)
        return product, item


@functools.lru_cache(maxsize=128)
def _products_locked(*, count: int, with_first_image: bool) -> CompiledQuery[Product]:
    """The lock of `count` products (SELECT ... FOR UPDATE), compiled once per process and shape (api.compiled:
    compiling it took more CPU than running it). The stand-ins: no id is negative."""

    def build(**ids: int) -> QuerySet[Product]:
        products = (
            Product.objects.select_for_update()
            .filter(id__in=list(ids.values()))
            .annotate(has_items=Exists(ProductInventoryItem.objects.filter(product=OuterRef("pk"))))
            .order_by("id")
        )
        if with_first_image:
            products = products.annotate(first_image=first_image_annotation(OuterRef("pk")))
        return products

    return CompiledQuery(build, **{f"id{index}": -1 - index for index in range(count)})


def stock_lock(*, lines: Iterable[StockLine], with_first_image: bool = False) -> LockedStock:
    """Lock (SELECT ... FOR UPDATE) and read afresh the lines' products, then their inventory items, each in
    id order. Call it inside a transaction. The products know whether they have inventory items
    (`has_items`); the items come with their options and the options' types. `with_first_image`: each product
    also knows its first image, `first_image` = (id, object name, alt text) or None (read in the same query,
    for an answer that shows it)."""
    lines = list(lines)
    product_ids = {line.product_id for line in lines if line.product_id is not None}
    item_ids = {line.item_id for line in lines if line.item_id is not None}
    items = (
        ProductInventoryItem.objects.select_for_update()
        .filter(id__in=item_ids)
        .order_by("id")
        .prefetch_related(Prefetch("options", queryset=ProductVariantOption.objects.select_related("variant_type")))
    )
    products: dict[int, Product] = {}
    if product_ids:
        locked = _products_locked(count=len(product_ids), with_first_image=with_first_image).run(
            **{f"id{index}": product_id for index, product_id in enumerate(sorted(product_ids))}
        )
        for product in locked:
            if with_first_image:
                # Attributes for the JSON builders and annotated by the query: not fields of the model's type.
                product.first_image = first_image_of_column(product.first_image)  # type: ignore[attr-defined]
            products[product.id] = product
    return LockedStock(products=products, items={item.id: item for item in items} if item_ids else {})


def still_available_check(
    *, product: Product, item: ProductInventoryItem | None, today: date, item_gone: bool = False
) -> None:
    """Refuse a product no longer on sale, or an inventory item inactive (or `item_gone`: deleted)."""
    if not is_on_sale(product, today=today) or item_gone or (item is not None and not item.is_active):
        raise ValidationError(f"{product.name} is no longer available")


def quantity_check(*, product: Product, item: ProductInventoryItem | None, quantity: int) -> None:
    """Refuse when `quantity` units of this product (or inventory item) are more than can be bought."""
    available = available_quantity(product, item)
    if available is None:
        return
    if available <= 0:
        raise ValidationError(f"{product.name} is out of stock")
    if quantity > available:
        raise ValidationError(not_enough_stock_message(product, available))


def stock_take(*, stock: LockedStock, lines: Sequence[StockLine]) -> list[bool]:
    """Decrement the tracked stock of every line (checked before: see `quantity_check`), in one update of
    the items and one of the products; for each line, whether it took stock (untracked products take
    none)."""
    took: list[bool] = []
    items: dict[int, ProductInventoryItem] = {}
    products: dict[int, Product] = {}
    for line in lines:
        product, item = stock.line_product(line), stock.line_item(line)
        took.append(product.stock_status == StockStatus.LIMITED)
        if not took[-1]:
            continue
        if item is not None:
            item.stock_quantity -= line.quantity
            items[item.id] = item
        else:
            product.stock_quantity -= line.quantity
            products[product.id] = product
    _stock_write(items=items.values(), products=products.values(), stock=stock)
    return took


# The stock writes of a checkout, refund or cancellation, written once: what bulk_update(rows, ["stock_quantity",
# "updated_at"]) and the ORM's SUM per product wrote, without compiling a CASE WHEN per row each time (it took
# more CPU than running them). One array parameter a column, whatever the number of rows.
_ITEMS_STOCK_SQL = """
    UPDATE shops_productinventoryitem AS target SET stock_quantity = new.stock_quantity, updated_at = %s
    FROM unnest(%s::bigint[], %s::integer[]) AS new (id, stock_quantity) WHERE target.id = new.id
"""
_PRODUCTS_STOCK_SQL = """
    UPDATE shops_product AS target SET stock_quantity = new.stock_quantity, updated_at = %s
    FROM unnest(%s::bigint[], %s::integer[]) AS new (id, stock_quantity) WHERE target.id = new.id
"""
_ITEMS_TOTAL_SQL = """
    SELECT product_id, SUM(stock_quantity) FROM shops_productinventoryitem
    WHERE is_active AND product_id = ANY(%s) GROUP BY product_id
"""


def _stock_update(*, sql: str, rows: Iterable[Product | ProductInventoryItem], now: datetime) -> None:
    rows = list(rows)
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, [row.id for row in rows], [row.stock_quantity for row in rows]])


def _stock_write(*, items: Iterable[ProductInventoryItem], products: Iterable[Product], stock: LockedStock) -> None:
    """Save the changed stock of locked items and products, and the stock of the items' products (the sum
    of their active items', as `refresh_product_stock` computes it): one update per table, and the shops'
    storefront pages refreshed on commit."""
    now = timezone.now()
    items, changed = list(items), {product.id: product for product in products}
    for item in items:
        item.updated_at = now
    _stock_update(sql=_ITEMS_STOCK_SQL, rows=items, now=now)
    summed = {item.product_id for item in items}
    totals: dict[int, int] = {}
    if summed:
        with connection.cursor() as cursor:
            cursor.execute(_ITEMS_TOTAL_SQL, [sorted(summed)])
            totals = dict(cursor.fetchall())
    for product_id in summed:
        product = stock.products.get(product_id)
        if product is not None and product.stock_quantity != totals.get(product_id, 0):
            product.stock_quantity = totals.get(product_id, 0)
            changed[product_id] = product
    for product in changed.values():
        product.updated_at = now
    _stock_update(sql=_PRODUCTS_STOCK_SQL, rows=changed.values(), now=now)
    # bulk_update sends no post_save: the storefront pages showing this stock are told here.
    for product_id in summed | set(changed):
        product = stock.products.get(product_id)
        if product is not None:
            storefront_changed(shop_id=product.shop_id)
        else:
            storefront_changed(product_id=product_id)


def stock_return(*, lines: Sequence[StockLine]) -> None:
    """Give back what the lines took, to the inventory item or product if it still exists (locked here)."""
    stock = stock_lock(lines=lines)
    items: dict[int, ProductInventoryItem] = {}
    products: dict[int, Product] = {}
    for line in lines:
        if line.item_id is not None:
            item = stock.items.get(line.item_id)
            if item is not None:
                item.stock_quantity += line.quantity
                items[item.id] = item
        elif line.product_id is not None and line.product_id in stock.products:
            product = stock.products[line.product_id]
            product.stock_quantity += line.quantity
            products[product.id] = product
    _stock_write(items=items.values(), products=products.values(), stock=stock)
