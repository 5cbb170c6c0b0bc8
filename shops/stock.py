"""Stock and availability rules, in one place for the catalogue, the storefront, carts and checkout."""

from datetime import date

from django.db.models import Q, Sum

from shops.models import Product, ProductInventoryItem, ProductStatus, StockStatus


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
