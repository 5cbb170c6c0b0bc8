from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from shops.models import Category, Product, ProductStatus, Shop
from tests.factories import ModelFactory


class ShopFactory(ModelFactory[Shop]):
    class Meta:
        model = Shop

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Shop {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    currency = "USD"


class CategoryFactory(ModelFactory[Category]):
    class Meta:
        model = Category

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(ModelFactory[Product]):
    class Meta:
        model = Product

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    status = ProductStatus.ACTIVE
    price = Decimal("10.00")
    stock_quantity = 5
