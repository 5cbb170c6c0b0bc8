"""What one unit costs: the inventory item's price override, else the product's price (already the
discounted price when there is a compare-at price)."""

from decimal import Decimal

from shops.models import Product, ProductInventoryItem


def unit_price(product: Product, item: ProductInventoryItem | None) -> Decimal:
    if item is not None and item.price_override is not None:
        return item.price_override
    return product.price
