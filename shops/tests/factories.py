"""Factories of shops, categories, products and their variant catalogue (types, options, inventory items)."""

from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from shops.models import (
    Category,
    Product,
    ProductImage,
    ProductInventoryItem,
    ProductStatus,
    ProductVariantOption,
    ProductVariantType,
    Shop,
)
from shops.stock import refresh_product_stock
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


class ProductImageFactory(ModelFactory[ProductImage]):
    """An image row of a product (its object need not exist: nothing here reads the bucket)."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    position = 1
    image = factory.LazyAttribute(lambda row: f"products/{row.product.slug}-{row.position}.jpg")
    alt_text = factory.LazyAttribute(lambda row: f"Photo {row.position}")
    width = 1
    height = 1
    content_type = "image/jpeg"
    size = 1


class VariantTypeFactory(ModelFactory[ProductVariantType]):
    class Meta:
        model = ProductVariantType

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Type {n}")
    position = 0


class VariantOptionFactory(ModelFactory[ProductVariantOption]):
    class Meta:
        model = ProductVariantOption

    variant_type = factory.SubFactory(VariantTypeFactory)
    name = factory.Sequence(lambda n: f"Option {n}")
    value = factory.SelfAttribute("name")
    position = 0


class InventoryItemFactory(ModelFactory[ProductInventoryItem]):
    class Meta:
        model = ProductInventoryItem
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"INV-{n}")
    stock_quantity = 5
    price_override = None

    @factory.post_generation
    def options(obj, create, extracted, **kwargs):
        """`options=[small, red]`: the item's combination; its option_key follows."""
        if create and extracted:
            obj.options.set(extracted)
            obj.option_key = "-".join(str(option.id) for option in sorted(extracted, key=lambda o: o.id))
            obj.save(update_fields=["option_key"])


def variant_product(*, shop, sizes=("S", "M"), colours=("Red", "Blue"), stock=5, price=Decimal("20.00"), **fields):
    """A tracked (limited) product with Size x Colour types and one inventory item per combination."""
    product = ProductFactory(shop=shop, price=price, stock_status="limited", stock_quantity=0, **fields)
    size = VariantTypeFactory(product=product, name="Size", position=0)
    colour = VariantTypeFactory(product=product, name="Colour", position=1)
    size_options = {
        name: VariantOptionFactory(variant_type=size, name=name, position=i) for i, name in enumerate(sizes)
    }
    colour_options = {
        name: VariantOptionFactory(variant_type=colour, name=name, position=i) for i, name in enumerate(colours)
    }
    items = {}
    position = 0
    for size_name, size_option in size_options.items():
        for colour_name, colour_option in colour_options.items():
            items[(size_name, colour_name)] = InventoryItemFactory(
                product=product,
                options=[size_option, colour_option],
                stock_quantity=stock,
                sku=f"{product.sku}-{size_name}-{colour_name}",
                position=position,
                is_default=position == 0,
            )
            position += 1
    refresh_product_stock(product)
    product.refresh_from_db()
    return product, {"Size": size, "Colour": colour}, {**size_options, **colour_options}, items
