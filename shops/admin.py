"""The admin for shops and their catalogue. Images are shown as previews; they are added through the API,
which validates them (deleting one here deletes its stored object too)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from images.storage import object_url
from shops.models import (
    Category,
    Product,
    ProductImage,
    ProductInventoryItem,
    ProductVariantOption,
    ProductVariantType,
    Shop,
)

PREVIEW = '<img src="{}" alt="{}" style="max-height:{}px;max-width:{}px;object-fit:contain">'


def image_preview(image: ProductImage, size: int = 80) -> str:
    if not image.image.name:
        return "-"
    return format_html(PREVIEW, object_url(image.image.name), image.alt_text, size, size)


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ("name", "slug")


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner", "currency", "created_at")
    list_select_related = ("owner",)
    search_fields = ("name", "slug", "owner__username", "owner__email")
    list_filter = ("currency",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "shop")
    list_select_related = ("shop",)
    search_fields = ("name", "slug", "shop__name")
    raw_id_fields = ("shop",)


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("preview", "alt_text", "position", "width", "height", "content_type", "size")
    readonly_fields = ("preview", "width", "height", "content_type", "size")
    can_delete = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # uploads go through the API, which validates and stores them

    @admin.display(description="Preview")
    def preview(self, image: ProductImage) -> str:
        return image_preview(image)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "name", "shop", "sku", "status", "price", "stock_quantity", "updated_at")
    list_display_links = ("thumbnail", "name")
    list_select_related = ("shop",)
    list_filter = ("status",)
    search_fields = ("name", "sku", "slug", "shop__name")
    raw_id_fields = ("shop", "category")
    readonly_fields = ("created_at", "updated_at")
    inlines = [ProductImageInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).prefetch_related("images")

    @admin.display(description="")
    def thumbnail(self, product: Product) -> str:
        images = product.images.all()
        return image_preview(images[0], size=40) if images else "-"


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = ("preview", "product", "position", "width", "height", "content_type", "size", "created_at")
    list_select_related = ("product",)
    search_fields = ("product__name", "alt_text")
    raw_id_fields = ("product",)
    fields = (
        "preview",
        "product",
        "image",
        "alt_text",
        "position",
        "width",
        "height",
        "content_type",
        "size",
    )
    readonly_fields = ("preview", "product", "image", "width", "height", "content_type", "size")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Preview")
    def preview(self, image: ProductImage) -> str:
        return image_preview(image, size=200)


class VariantOptionInline(admin.TabularInline):
    model = ProductVariantOption
    extra = 0
    fields = ("name", "value", "color_hex", "position")


@admin.register(ProductVariantType)
class ProductVariantTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "product", "input_type", "position")
    list_select_related = ("product",)
    search_fields = ("name", "product__name")
    raw_id_fields = ("product",)
    inlines = [VariantOptionInline]


@admin.register(ProductInventoryItem)
class ProductInventoryItemAdmin(admin.ModelAdmin):
    """Stock and prices per combination. The combination itself (options, key) is set through the API,
    which keeps the key, the default and the product's stock in step."""

    list_display = ("product", "label", "sku", "stock_quantity", "price_override", "is_active", "is_default")
    list_select_related = ("product",)
    list_filter = ("is_active",)
    search_fields = ("sku", "product__name", "product__sku")
    raw_id_fields = ("product",)
    fields = ("product", "label", "option_key", "sku", "stock_quantity", "price_override", "is_active", "is_default")
    readonly_fields = ("product", "label", "option_key", "is_default")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductInventoryItem]:
        return super().get_queryset(request).prefetch_related("options__variant_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Options")
    def label(self, item: ProductInventoryItem) -> str:
        options = sorted(item.options.all(), key=lambda option: (option.variant_type.position, option.variant_type_id))
        return " / ".join(f"{option.variant_type.name}: {option.name}" for option in options) or "-"
