"""Stock rows locked, taken and given back by checkout and by cancelling or refunding an order.

Every writer locks products first, then inventory items, each in id order: two transactions never hold
one row the other waits for, so concurrent checkouts queue instead of deadlocking. Locking the product
before its items also serialises `refresh_product_stock`, which sums the items and writes the product."""

from collections.abc import Iterable

from django.db.models import Prefetch

from shops.models import Product, ProductInventoryItem, ProductVariantOption


def stock_rows_lock(
    *, product_ids: Iterable[int], item_ids: Iterable[int]
) -> tuple[dict[int, Product], dict[int, ProductInventoryItem]]:
    """Lock (SELECT ... FOR UPDATE) and read afresh the products and inventory items. Call it inside a
    transaction. The items come with their options and the options' variant types."""
    products = Product.objects.select_for_update().filter(id__in=set(product_ids)).order_by("id")
    items = (
        ProductInventoryItem.objects.select_for_update()
        .filter(id__in=set(item_ids))
        .order_by("id")
        .prefetch_related(Prefetch("options", queryset=ProductVariantOption.objects.select_related("variant_type")))
    )
    locked_products = {product.id: product for product in products}
    return locked_products, {item.id: item for item in items}
