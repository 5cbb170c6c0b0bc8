"""Shops and categories in JSON: the owner's view, the public view, and the frontend's shop page."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from images.storage import object_url
from shops.models import (
    Category,
    Shop,
)
from shops.serializers.fields import BlankOrEmailField, BlankOrUrlField
from shops.serializers.products import PublicShopProductSerializer, grid_text

SHOP_CONTACT_FIELDS = ["contact_email", "contact_phone", "contact_website", "contact_address"]


class _ShopContactMixin(serializers.Serializer):
    contact_email = BlankOrEmailField(read_only=True)
    contact_website = BlankOrUrlField(read_only=True)


class _ShopImagesMixin(serializers.Serializer):
    profile_image_url = serializers.SerializerMethodField(help_text="Set by uploading to .../profile-image/.")
    cover_image_url = serializers.SerializerMethodField(help_text="Set by uploading to .../cover-image/.")

    @extend_schema_field({"type": "string", "nullable": True})
    def get_profile_image_url(self, shop: Shop) -> str | None:
        name = shop.profile_image.name
        return object_url(name, request=self.context.get("request")) if name else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_cover_image_url(self, shop: Shop) -> str | None:
        name = shop.cover_image.name
        return object_url(name, request=self.context.get("request")) if name else None


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
            "mail_sender_name",
            "mail_footer",
            "mail_show_logo",
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
        # many=True makes a ListSerializer, whose data is a list; the stubs type the call as a single Serializer.
        return FeaturedCategorySerializer(list(featured.values()), many=True).data  # type: ignore[return-value]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "shop", "name", "slug", "description", "created_at", "updated_at"]
        read_only_fields = fields


class PublicCategorySerializer(serializers.ModelSerializer):
    """The description cut as a grid cuts a product's (a shop may have many categories)."""

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description"]
        read_only_fields = fields

    def to_representation(self, category: Category) -> dict[str, Any]:
        data = super().to_representation(category)
        data["description"] = grid_text(category.description)
        return data


class PublicShopWithProductsSerializer(PublicShopSerializer):
    """The shop page as the existing frontend reads it: the shop with its active products."""

    products = serializers.SerializerMethodField()

    class Meta(PublicShopSerializer.Meta):
        fields = [*PublicShopSerializer.Meta.fields, "products"]
        read_only_fields = fields

    @extend_schema_field(PublicShopProductSerializer(many=True))
    def get_products(self, shop: Shop) -> list[dict[str, Any]]:
        # many=True makes a ListSerializer, whose data is a list; the stubs type the call as a single Serializer.
        products = PublicShopProductSerializer(self.context["products"], many=True, context=self.context)
        return products.data  # type: ignore[return-value]
