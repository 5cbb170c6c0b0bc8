"""How shops, categories, products and images look in JSON (owner and public views)."""

from decimal import Decimal
from functools import cached_property
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from images.storage import object_url
from shops.currencies import quantize_for_currency
from shops.models import Category, Product, ProductImage, Shop


def money(amount: Decimal | None, currency: str) -> str | None:
    """A decimal string with the currency's own number of decimals: "12.50" USD, "1200" JPY, "1.250" KWD."""
    return None if amount is None else str(quantize_for_currency(amount, currency))


def absolute_url(serializer: serializers.Serializer, url: str) -> str:
    request = serializer.context.get("request")
    if url.startswith("/") and request is not None:
        return request.build_absolute_uri(url)
    return url


class ShopSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shop
        fields = ["id", "name", "slug", "heading", "description", "currency", "created_at", "updated_at"]
        read_only_fields = fields


class PublicShopSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shop
        fields = ["id", "name", "slug", "heading", "description", "currency"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "shop", "name", "slug", "description", "created_at", "updated_at"]
        read_only_fields = fields


class PublicCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description"]
        read_only_fields = fields


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The original (metadata stripped).")
    sort_order = serializers.IntegerField(source="position", read_only=True, help_text="Same as position.")
    is_primary = serializers.BooleanField(read_only=True)
    renditions = serializers.SerializerMethodField(help_text="Width in pixels -> url of a WebP of that width.")
    srcset = serializers.SerializerMethodField(help_text="The renditions as an <img srcset> value.")

    class Meta:
        model = ProductImage
        fields = [
            "id",
            "url",
            "alt_text",
            "position",
            "sort_order",
            "is_primary",
            "width",
            "height",
            "content_type",
            "size",
            "renditions",
            "srcset",
            "dominant_color",
            "placeholder",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, image: ProductImage) -> str:
        return absolute_url(self, object_url(image.image.name))

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_renditions(self, image: ProductImage) -> dict[str, str]:
        ordered = sorted(image.renditions.items(), key=lambda item: int(item[0]))
        return {width: absolute_url(self, object_url(name)) for width, name in ordered}

    def get_srcset(self, image: ProductImage) -> str:
        return ", ".join(f"{url} {width}w" for width, url in self.get_renditions(image).items())


class PublicProductImageSerializer(ProductImageSerializer):
    class Meta(ProductImageSerializer.Meta):
        fields = [
            "id",
            "url",
            "alt_text",
            "position",
            "sort_order",
            "is_primary",
            "width",
            "height",
            "renditions",
            "srcset",
            "dominant_color",
            "placeholder",
        ]
        read_only_fields = fields


class _ProductMoneyMixin(serializers.Serializer):
    """Prices two ways: `price` (what is charged) with `compare_at_price` (the struck-through "was" price),
    and the existing frontend's `base_price` with `discounted_price`. They always agree."""

    price = serializers.SerializerMethodField()
    compare_at_price = serializers.SerializerMethodField()
    base_price = serializers.SerializerMethodField()
    discounted_price = serializers.SerializerMethodField()
    currency = serializers.CharField(source="shop.currency", read_only=True)
    category = serializers.SerializerMethodField(help_text="The category's name.")

    @extend_schema_field(OpenApiTypes.STR)
    def get_price(self, product: Product) -> str | None:
        return money(product.price, product.shop.currency)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_compare_at_price(self, product: Product) -> str | None:
        return money(product.compare_at_price, product.shop.currency)

    @extend_schema_field(OpenApiTypes.STR)
    def get_base_price(self, product: Product) -> str | None:
        return money(product.compare_at_price or product.price, product.shop.currency)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_discounted_price(self, product: Product) -> str | None:
        return money(product.price, product.shop.currency) if product.compare_at_price is not None else None

    def get_category(self, product: Product) -> str | None:
        return product.category.name if product.category else None


class ProductSerializer(_ProductMoneyMixin, serializers.ModelSerializer):
    description = serializers.CharField(source="long_description", read_only=True, help_text="= long_description")
    in_stock = serializers.SerializerMethodField()
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "shop",
            "name",
            "slug",
            "sku",
            "category",
            "category_id",
            "short_description",
            "long_description",
            "description",
            "status",
            "price",
            "compare_at_price",
            "base_price",
            "discounted_price",
            "currency",
            "stock_quantity",
            "in_stock",
            "images",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_in_stock(self, product: Product) -> bool:
        return product.stock_quantity > 0


class PublicProductSerializer(_ProductMoneyMixin, serializers.ModelSerializer):
    """No SKU, exact stock or status: only what a customer sees."""

    description = serializers.CharField(source="long_description", read_only=True)
    category_slug = serializers.SerializerMethodField()
    in_stock = serializers.SerializerMethodField()
    images = PublicProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "category",
            "category_id",
            "category_slug",
            "short_description",
            "long_description",
            "description",
            "price",
            "compare_at_price",
            "base_price",
            "discounted_price",
            "currency",
            "in_stock",
            "images",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_category_slug(self, product: Product) -> str | None:
        return product.category.slug if product.category else None

    def get_in_stock(self, product: Product) -> bool:
        return product.stock_quantity > 0


class PublicProductListItemSerializer(PublicProductSerializer):
    """A product in a list: its primary image instead of all images."""

    primary_image = serializers.SerializerMethodField()

    class Meta(PublicProductSerializer.Meta):
        fields = [field for field in PublicProductSerializer.Meta.fields if field != "images"] + ["primary_image"]
        read_only_fields = fields

    @extend_schema_field(PublicProductImageSerializer(allow_null=True))
    def get_primary_image(self, product: Product) -> dict[str, Any] | None:
        images = product.images.all()  # prefetched: no query per product
        return self._image_serializer.to_representation(images[0]) if images else None

    @cached_property
    def _image_serializer(self) -> PublicProductImageSerializer:
        # One per list, not one per product: building a ModelSerializer's fields costs more than using them.
        return PublicProductImageSerializer(context=self.context)


class PublicShopWithProductsSerializer(PublicShopSerializer):
    """The shop page as the existing frontend reads it: the shop with its active products."""

    products = serializers.SerializerMethodField()

    class Meta(PublicShopSerializer.Meta):
        fields = [*PublicShopSerializer.Meta.fields, "products"]
        read_only_fields = fields

    @extend_schema_field(PublicProductListItemSerializer(many=True))
    def get_products(self, shop: Shop) -> list[dict[str, Any]]:
        return PublicProductListItemSerializer(self.context["products"], many=True, context=self.context).data
