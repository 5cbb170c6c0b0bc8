"""Factories of carts and orders (the variant catalogue they sell has its factories in shops.tests)."""

import secrets

import factory

from orders.models import Cart, CartItem
from shops.tests.factories import ProductFactory, ShopFactory
from tests.factories import ModelFactory


class CartFactory(ModelFactory[Cart]):
    class Meta:
        model = Cart

    shop = factory.SubFactory(ShopFactory)
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))


class CartItemFactory(ModelFactory[CartItem]):
    class Meta:
        model = CartItem

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory, shop=factory.SelfAttribute("..cart.shop"))
    quantity = 1
