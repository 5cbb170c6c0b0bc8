"""Shops that take card payments and carts ready to check out, built through the real services."""

from decimal import Decimal
from typing import Any

from orders.models import Cart
from orders.tests.factories import CartItemFactory
from payments.services.settings import payment_settings_update
from payments.tests.localstripe import shop_connect
from shops.models import Product, Shop
from shops.tests.factories import ProductFactory, ShopFactory


def stripe_shop(**fields: Any) -> Shop:
    """A shop whose seller finished Stripe's onboarding (its account can take charges), manual off."""
    shop = ShopFactory(**fields)
    shop_connect(shop)
    payment_settings_update(shop=shop, manual_enabled=False)
    return shop


def stocked_product(shop: Shop, *, stock: int, price: str = "12.50", **fields: Any) -> Product:
    return ProductFactory(shop=shop, price=Decimal(price), stock_status="limited", stock_quantity=stock, **fields)


def cart_with(product: Product, *, quantity: int = 1) -> Cart:
    return CartItemFactory(cart__shop=product.shop, product=product, quantity=quantity).cart
