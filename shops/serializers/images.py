"""Product images in JSON: urls of the original and its renditions, and the placeholder."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from images.storage import object_url
from shops.models import (
    ProductImage,
)


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
        return object_url(image.image.name or "", request=self.context.get("request"))

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_renditions(self, image: ProductImage) -> dict[str, str]:
        request = self.context.get("request")
        ordered = sorted(image.renditions.items(), key=lambda item: int(item[0]))
        return {width: object_url(name, request=request) for width, name in ordered}

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


class PublicGridImageSerializer(ProductImageSerializer):
    """A grid card's primary image: what the existing frontend reads (id, url, alt text, sort order) and what
    lays out the card's box before the image loads (size, dominant colour). The renditions, their srcset and
    the placeholder are on the product page (in a grid they were two thirds of each card)."""

    class Meta(ProductImageSerializer.Meta):
        fields = ["id", "url", "alt_text", "sort_order", "width", "height", "dominant_color"]
        read_only_fields = fields
