"""Products in JSON: prices both ways, stock, variants and inventory items; owner and public views."""

from functools import cached_property
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shops.models import (
    STATUS_FOR_DASHBOARD,
    Product,
    ProductInventoryItem,
    ProductStatus,
    ProductVariantOption,
    ProductVariantType,
)
from shops.pricing import unit_price
from shops.serializers.fields import StockQuantityWhenShownField, money
from shops.serializers.images import ProductImageSerializer, PublicGridImageSerializer, PublicProductImageSerializer
from shops.stock import available_quantity, effective_stock_status, storefront_stock_quantity
from shops.variants import option_entries, option_label


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


class _InventoryItemMixin(serializers.Serializer):
    option_label = serializers.SerializerMethodField(help_text='"Size: M / Color: Red", from the current names.')
    options = serializers.SerializerMethodField()

    def get_option_label(self, item: ProductInventoryItem) -> str:
        return option_label(option_entries(item.options.all()))

    @extend_schema_field(InventoryOptionSerializer(many=True))
    def get_options(self, item: ProductInventoryItem) -> list[dict[str, Any]]:
        return option_entries(item.options.all())

    def _product(self, item: ProductInventoryItem) -> Product:
        return self.context["product"]


class InventoryItemSerializer(_InventoryItemMixin, serializers.ModelSerializer):
    sku = serializers.SerializerMethodField(help_text="The item's own SKU, or the product's when it has none.")
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

    def get_sku(self, item: ProductInventoryItem) -> str:
        return item.sku or self._product(item).sku

    @extend_schema_field({"type": "string", "nullable": True})
    def get_price_override(self, item: ProductInventoryItem) -> str | None:
        return money(item.price_override, self._product(item).shop.currency)

    @extend_schema_field(OpenApiTypes.STR)
    def get_calculated_price(self, item: ProductInventoryItem) -> str | None:
        product = self._product(item)
        return money(unit_price(product, item), product.shop.currency)


class PublicInventoryItemSerializer(_InventoryItemMixin, serializers.ModelSerializer):
    """No SKU; the exact stock only when the shop shows stock quantities (see `storefront_stock_quantity`)."""

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
        data["stock_quantity"] = storefront_stock_quantity(self._product(item), item)
        return data


class _VariantsMixin(serializers.Serializer):
    variant_types = VariantTypeSerializer(many=True, read_only=True)
    inventory_items = serializers.SerializerMethodField()
    inventory_item_serializer: type[serializers.Serializer] = InventoryItemSerializer

    def get_inventory_items(self, product: Product) -> list[dict[str, Any]]:
        # Prefetched by the selectors (the public ones only prefetch active items).
        items = product.inventory_items.all()
        context = {**self.context, "product": product}
        # many=True makes a ListSerializer, whose data is a list; the stubs type the call as a single Serializer.
        return self.inventory_item_serializer(items, many=True, context=context).data  # type: ignore[return-value]


class ProductSerializer(_VariantsMixin, _ProductMoneyMixin, serializers.ModelSerializer):
    description = serializers.CharField(source="long_description", read_only=True, help_text="= long_description")
    effective_stock_status = serializers.SerializerMethodField(
        help_text="What customers see: a limited product at 0 is out_of_stock until stock returns."
    )
    in_stock = serializers.SerializerMethodField(help_text="Whether customers can buy it now.")
    status = serializers.SerializerMethodField(
        help_text="In the dashboard's words: active, inactive (= draft), archived."
    )
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

    @extend_schema_field({"type": "string", "enum": list(STATUS_FOR_DASHBOARD.values())})
    def get_status(self, product: Product) -> str:
        return STATUS_FOR_DASHBOARD[ProductStatus(product.status)]

    def get_effective_stock_status(self, product: Product) -> str:
        return effective_stock_status(product)

    def get_in_stock(self, product: Product) -> bool:
        return available_quantity(product, None) != 0

    @extend_schema_field(InventoryItemSerializer(many=True))
    def get_inventory_items(self, product: Product) -> list[dict[str, Any]]:
        return super().get_inventory_items(product)


class PublicProductSerializer(_VariantsMixin, _ProductMoneyMixin, serializers.ModelSerializer):
    """No SKU or internal status: only what a customer sees. `stock_status` is the effective one; the exact
    `stock_quantity` only when the shop shows stock quantities (see `storefront_stock_quantity`)."""

    description = serializers.CharField(source="long_description", read_only=True)
    category_slug = serializers.SerializerMethodField()
    stock_status = serializers.SerializerMethodField()
    in_stock = serializers.SerializerMethodField()
    stock_quantity = StockQuantityWhenShownField()
    # Typed as the base class: the shop page's grid card (PublicShopProductSerializer) has its own image shape.
    images: ProductImageSerializer = PublicProductImageSerializer(many=True, read_only=True)
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
        # The public selector prefetches at most PRODUCT_MAX_INVENTORY_ITEMS active items into this list.
        context = {**self.context, "product": product}
        # The selector's Prefetch(to_attr=...), not a field of the model's type; many=True makes a ListSerializer,
        # whose data is a list (the stubs type the call as a single Serializer).
        items = product.public_inventory_items  # type: ignore[attr-defined]
        return self.inventory_item_serializer(items, many=True, context=context).data  # type: ignore[return-value]

    def to_representation(self, product: Product) -> dict[str, Any]:
        data = super().to_representation(product)
        data["stock_quantity"] = storefront_stock_quantity(product, None)
        return data


# What a grid card leaves to the product page: all images, the variants, our own names of the prices (`price`,
# `compare_at_price`: the existing frontend reads them as `discounted_price` and `base_price`), and what a card
# says twice (`category_id` beside `category_slug`, both naming the category for the list's filter; `in_stock`
# beside `stock_status`, which is out_of_stock exactly when in_stock is false).
LIST_ITEM_LEAVES_OUT = {
    "images",
    "variant_types",
    "inventory_items",
    "price",
    "compare_at_price",
    "category_id",
    "in_stock",
}


class _PrimaryImageMixin(serializers.Serializer):
    primary_image = serializers.SerializerMethodField()

    @extend_schema_field(PublicGridImageSerializer(allow_null=True))
    def get_primary_image(self, product: Product) -> dict[str, Any] | None:
        images = product.images.all()  # prefetched: no query per product
        return self._image_serializer.to_representation(images[0]) if images else None

    @cached_property
    def _image_serializer(self) -> PublicGridImageSerializer:
        # One per list, not one per product: building a ModelSerializer's fields costs more than using them.
        return PublicGridImageSerializer(context=self.context)


def grid_text(text: str) -> str:
    """A long description as a grid shows it: its first STOREFRONT_GRID_DESCRIPTION_CHARS characters, and
    an ellipsis when cut."""
    limit = settings.STOREFRONT_GRID_DESCRIPTION_CHARS
    return text if len(text) <= limit else text[:limit].rstrip() + "\u2026"


class PublicProductListItemSerializer(_PrimaryImageMixin, PublicProductSerializer):
    """A product in the storefront grid: its primary image (grid shape) instead of all images, whether it has
    variants instead of the variants themselves, the long description cut short, and the prices by the
    existing frontend's names only (the product page has the rest)."""

    has_variants = serializers.BooleanField(read_only=True)

    class Meta(PublicProductSerializer.Meta):
        fields = [
            *(field for field in PublicProductSerializer.Meta.fields if field not in LIST_ITEM_LEAVES_OUT),
            "has_variants",
            "primary_image",
        ]
        read_only_fields = fields

    def to_representation(self, product: Product) -> dict[str, Any]:
        data = super().to_representation(product)
        data["long_description"] = data["description"] = grid_text(product.long_description)
        return data


class PublicShopProductSerializer(PublicProductListItemSerializer):
    """A product on the shop page of the existing frontend, in grid shape (bounded whatever the catalogue):
    `images` holds the primary image only, in grid shape (so no `primary_image`, which would repeat it); no
    variant types or items (the product page has them)."""

    images = PublicGridImageSerializer(many=True, read_only=True, help_text="The primary image only.")

    class Meta(PublicProductListItemSerializer.Meta):
        fields = [*(f for f in PublicProductListItemSerializer.Meta.fields if f != "primary_image"), "images"]
        read_only_fields = fields
