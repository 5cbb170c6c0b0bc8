"""How shops, categories, products and images look in JSON (owner and public views)."""

from decimal import Decimal
from functools import cached_property
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import absolute_object_url
from images.storage import object_url
from shops.currencies import quantize_for_currency
from shops.models import (
    Category,
    Product,
    ProductImage,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    Shop,
)
from shops.pricing import unit_price
from shops.stock import available_quantity, effective_stock_status


def money(amount: Decimal | None, currency: str) -> str | None:
    """A decimal string with the currency's own number of decimals: "12.50" USD, "1200" JPY, "1.250" KWD."""
    return None if amount is None else str(quantize_for_currency(amount, currency))


def absolute_url(serializer: serializers.Serializer, url: str) -> str:
    request = serializer.context.get("request")
    if url.startswith("/") and request is not None:
        return request.build_absolute_uri(url)
    return url


SHOP_CONTACT_FIELDS = ["contact_email", "contact_phone", "contact_website", "contact_address"]


@extend_schema_field({"type": "string", "anyOf": [{"format": "email"}, {"maxLength": 0}]})
class BlankOrEmailField(serializers.CharField):
    """An email address, or "" when none is given (the format of an EmailField alone refuses "")."""


@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}]})
class BlankOrUrlField(serializers.CharField):
    """A URL, or "" when none is given (the format of a URLField alone refuses "")."""


class _ShopContactMixin(serializers.Serializer):
    contact_email = BlankOrEmailField(read_only=True)
    contact_website = BlankOrUrlField(read_only=True)


class StockQuantityWhenShownField(serializers.IntegerField):
    """The exact stock, in the body only when the shop shows stock quantities. For output only, and not
    read_only: drf-spectacular lists every read-only field as required, and this one may be left out."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, help_text="Only when the shop shows stock quantities.", **kwargs)


class _ShopImagesMixin(serializers.Serializer):
    profile_image_url = serializers.SerializerMethodField(help_text="Set by uploading to .../profile-image/.")
    cover_image_url = serializers.SerializerMethodField(help_text="Set by uploading to .../cover-image/.")

    @extend_schema_field({"type": "string", "nullable": True})
    def get_profile_image_url(self, shop: Shop) -> str | None:
        return absolute_object_url(self, shop.profile_image.name)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_cover_image_url(self, shop: Shop) -> str | None:
        return absolute_object_url(self, shop.cover_image.name)


class ShopSerializer(_ShopContactMixin, _ShopImagesMixin, serializers.ModelSerializer):
    featured_category_1 = serializers.IntegerField(source="featured_category_1_id", allow_null=True, read_only=True)
    featured_category_2 = serializers.IntegerField(source="featured_category_2_id", allow_null=True, read_only=True)
    featured_category_3 = serializers.IntegerField(source="featured_category_3_id", allow_null=True, read_only=True)

    class Meta:
        model = Shop
        fields = [
            "id",
            "name",
            "slug",
            "heading",
            "description",
            "currency",
            "profile_image_url",
            "cover_image_url",
            "featured_category_1",
            "featured_category_2",
            "featured_category_3",
            *SHOP_CONTACT_FIELDS,
            "show_stock_quantity",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FeaturedCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class PublicShopSerializer(_ShopContactMixin, _ShopImagesMixin, serializers.ModelSerializer):
    featured_categories = serializers.SerializerMethodField(help_text="Up to three, in slot order.")

    class Meta:
        model = Shop
        fields = [
            "id",
            "name",
            "slug",
            "heading",
            "description",
            "currency",
            "profile_image_url",
            "cover_image_url",
            "featured_categories",
            *SHOP_CONTACT_FIELDS,
        ]
        read_only_fields = fields

    @extend_schema_field(FeaturedCategorySerializer(many=True))
    def get_featured_categories(self, shop: Shop) -> list[dict[str, Any]]:
        # select_related by the selector: no query per slot.
        slots = (shop.featured_category_1, shop.featured_category_2, shop.featured_category_3)
        featured = {category.id: category for category in slots if category is not None}  # once each, in order
        return FeaturedCategorySerializer(list(featured.values()), many=True).data


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


class VariantOptionSerializer(serializers.ModelSerializer):
    sort_order = serializers.IntegerField(source="position", read_only=True)

    class Meta:
        model = ProductVariantOption
        fields = ["id", "name", "value", "color_hex", "sort_order"]
        read_only_fields = fields


class VariantTypeSerializer(serializers.ModelSerializer):
    sort_order = serializers.IntegerField(source="position", read_only=True)
    options = VariantOptionSerializer(many=True, read_only=True)

    class Meta:
        model = ProductVariantType
        fields = ["id", "name", "input_type", "sort_order", "options"]
        read_only_fields = fields


class InventoryOptionSerializer(serializers.Serializer):
    variant_type_id = serializers.IntegerField()
    variant_type_name = serializers.CharField()
    variant_option_id = serializers.IntegerField()
    variant_option_name = serializers.CharField()


def _item_options(item: ProductInventoryItem) -> list[ProductVariantOption]:
    """The item's options in the order of the product's variant types (prefetched with their types)."""
    return sorted(item.options.all(), key=lambda option: (option.variant_type.position, option.variant_type_id))


class _InventoryItemMixin(serializers.Serializer):
    option_label = serializers.SerializerMethodField(help_text='"Size: M / Color: Red", from the current names.')
    options = serializers.SerializerMethodField()

    def get_option_label(self, item: ProductInventoryItem) -> str:
        return " / ".join(f"{option.variant_type.name}: {option.name}" for option in _item_options(item))

    @extend_schema_field(InventoryOptionSerializer(many=True))
    def get_options(self, item: ProductInventoryItem) -> list[dict[str, Any]]:
        return [
            {
                "variant_type_id": option.variant_type_id,
                "variant_type_name": option.variant_type.name,
                "variant_option_id": option.id,
                "variant_option_name": option.name,
            }
            for option in _item_options(item)
        ]

    def _product(self, item: ProductInventoryItem) -> Product:
        return self.context["product"]


class InventoryItemSerializer(_InventoryItemMixin, serializers.ModelSerializer):
    price_override = serializers.SerializerMethodField()
    calculated_price = serializers.SerializerMethodField(help_text="What one unit costs: the override or the price.")

    class Meta:
        model = ProductInventoryItem
        fields = [
            "id",
            "sku",
            "stock_quantity",
            "is_active",
            "is_default",
            "price_override",
            "calculated_price",
            "option_label",
            "options",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_price_override(self, item: ProductInventoryItem) -> str | None:
        return money(item.price_override, self._product(item).shop.currency)

    @extend_schema_field(OpenApiTypes.STR)
    def get_calculated_price(self, item: ProductInventoryItem) -> str | None:
        product = self._product(item)
        return money(unit_price(product, item), product.shop.currency)


class PublicInventoryItemSerializer(_InventoryItemMixin, serializers.ModelSerializer):
    """No SKU; the exact stock only when the shop shows stock quantities."""

    stock_quantity = StockQuantityWhenShownField()
    is_available = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField(help_text="What one unit costs (what the cart charges).")
    currency = serializers.SerializerMethodField()

    class Meta:
        model = ProductInventoryItem
        fields = [
            "id",
            "is_default",
            "is_available",
            "price",
            "currency",
            "stock_quantity",
            "option_label",
            "options",
        ]
        read_only_fields = fields

    def get_is_available(self, item: ProductInventoryItem) -> bool:
        return available_quantity(self._product(item), item) != 0

    @extend_schema_field(OpenApiTypes.STR)
    def get_price(self, item: ProductInventoryItem) -> str | None:
        product = self._product(item)
        return money(unit_price(product, item), product.shop.currency)

    def get_currency(self, item: ProductInventoryItem) -> str:
        return self._product(item).shop.currency

    def to_representation(self, item: ProductInventoryItem) -> dict[str, Any]:
        data = super().to_representation(item)
        if not self._product(item).shop.show_stock_quantity:
            del data["stock_quantity"]
        return data


class _VariantsMixin(serializers.Serializer):
    variant_types = VariantTypeSerializer(many=True, read_only=True)
    inventory_items = serializers.SerializerMethodField()
    inventory_item_serializer: type[serializers.Serializer] = InventoryItemSerializer

    def get_inventory_items(self, product: Product) -> list[dict[str, Any]]:
        # Prefetched by the selectors (the public ones only prefetch active items).
        items = product.inventory_items.all()
        context = {**self.context, "product": product}
        return self.inventory_item_serializer(items, many=True, context=context).data


class ProductSerializer(_VariantsMixin, _ProductMoneyMixin, serializers.ModelSerializer):
    description = serializers.CharField(source="long_description", read_only=True, help_text="= long_description")
    effective_stock_status = serializers.SerializerMethodField(
        help_text="What customers see: a limited product at 0 is out_of_stock until stock returns."
    )
    in_stock = serializers.SerializerMethodField(help_text="Whether customers can buy it now.")
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
            "stock_status",
            "effective_stock_status",
            "in_stock",
            "available_from",
            "available_to",
            "images",
            "variant_types",
            "inventory_items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_effective_stock_status(self, product: Product) -> str:
        return effective_stock_status(product)

    def get_in_stock(self, product: Product) -> bool:
        return available_quantity(product, None) != 0

    @extend_schema_field(InventoryItemSerializer(many=True))
    def get_inventory_items(self, product: Product) -> list[dict[str, Any]]:
        return super().get_inventory_items(product)


class PublicProductSerializer(_VariantsMixin, _ProductMoneyMixin, serializers.ModelSerializer):
    """No SKU or internal status: only what a customer sees. `stock_status` is the effective one; the exact
    `stock_quantity` only when the shop shows stock quantities."""

    description = serializers.CharField(source="long_description", read_only=True)
    category_slug = serializers.SerializerMethodField()
    stock_status = serializers.SerializerMethodField()
    in_stock = serializers.SerializerMethodField()
    stock_quantity = StockQuantityWhenShownField()
    images = PublicProductImageSerializer(many=True, read_only=True)
    inventory_item_serializer = PublicInventoryItemSerializer

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
            "stock_status",
            "in_stock",
            "stock_quantity",
            "available_from",
            "available_to",
            "images",
            "variant_types",
            "inventory_items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_category_slug(self, product: Product) -> str | None:
        return product.category.slug if product.category else None

    def get_stock_status(self, product: Product) -> str:
        return effective_stock_status(product)

    def get_in_stock(self, product: Product) -> bool:
        return available_quantity(product, None) != 0

    @extend_schema_field(PublicInventoryItemSerializer(many=True))
    def get_inventory_items(self, product: Product) -> list[dict[str, Any]]:
        return super().get_inventory_items(product)

    def to_representation(self, product: Product) -> dict[str, Any]:
        data = super().to_representation(product)
        if not product.shop.show_stock_quantity:
            del data["stock_quantity"]
        return data


LIST_ITEM_LEAVES_OUT = {"images", "variant_types", "inventory_items"}


class _PrimaryImageMixin(serializers.Serializer):
    primary_image = serializers.SerializerMethodField()

    @extend_schema_field(PublicProductImageSerializer(allow_null=True))
    def get_primary_image(self, product: Product) -> dict[str, Any] | None:
        images = product.images.all()  # prefetched: no query per product
        return self._image_serializer.to_representation(images[0]) if images else None

    @cached_property
    def _image_serializer(self) -> PublicProductImageSerializer:
        # One per list, not one per product: building a ModelSerializer's fields costs more than using them.
        return PublicProductImageSerializer(context=self.context)


class PublicProductListItemSerializer(_PrimaryImageMixin, PublicProductSerializer):
    """A product in the storefront grid: its primary image instead of all images, and whether it has
    variants instead of the variants themselves (the product page has them)."""

    has_variants = serializers.BooleanField(read_only=True)

    class Meta(PublicProductSerializer.Meta):
        fields = [
            *(field for field in PublicProductSerializer.Meta.fields if field not in LIST_ITEM_LEAVES_OUT),
            "has_variants",
            "primary_image",
        ]
        read_only_fields = fields


class PublicShopProductSerializer(_PrimaryImageMixin, PublicProductSerializer):
    """A product on the shop page of the existing frontend: all images, variants and active items, and the
    primary image."""

    class Meta(PublicProductSerializer.Meta):
        fields = [*PublicProductSerializer.Meta.fields, "primary_image"]
        read_only_fields = fields


class PublicShopWithProductsSerializer(PublicShopSerializer):
    """The shop page as the existing frontend reads it: the shop with its active products."""

    products = serializers.SerializerMethodField()

    class Meta(PublicShopSerializer.Meta):
        fields = [*PublicShopSerializer.Meta.fields, "products"]
        read_only_fields = fields

    @extend_schema_field(PublicShopProductSerializer(many=True))
    def get_products(self, shop: Shop) -> list[dict[str, Any]]:
        return PublicShopProductSerializer(self.context["products"], many=True, context=self.context).data
