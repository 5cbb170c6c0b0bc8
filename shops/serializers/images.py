"""Product images in JSON: urls of the original and its renditions, and the placeholder."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from images.storage import object_url
from shops.models import (
    ProductImage,
)

# A grid card shows its image a few hundred pixels wide: its thumbnail is the narrowest rendition at least this
# wide (the original image of a grid of 100 products would be megabytes each).
GRID_IMAGE_WIDTH = 480


def grid_image_name(*, original: str, renditions: dict[str, str]) -> str:
    """The stored name a grid card shows: the narrowest rendition at least GRID_IMAGE_WIDTH wide, else the
    widest there is, else (an image too small for any rendition) the original."""
    by_width = sorted((int(width), name) for width, name in renditions.items())
    wide_enough = [name for width, name in by_width if width >= GRID_IMAGE_WIDTH]
    if wide_enough:
        return wide_enough[0]
    return by_width[-1][1] if by_width else original


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
    """A grid card's primary image: what the existing frontend reads (id, url, alt text, sort order), one
    thumbnail to show (a grid-width rendition) and the size that lays out the card's box before it loads. The
    other renditions, their srcset, the placeholder and the dominant colour are on the product page (in a grid
    they were two thirds of each card)."""

    thumbnail_url = serializers.SerializerMethodField(
        help_text=f"A WebP at least {GRID_IMAGE_WIDTH} pixels wide when the image is (the widest rendition "
        "otherwise; the original when there is none)."
    )

    class Meta(ProductImageSerializer.Meta):
        fields = ["id", "url", "thumbnail_url", "alt_text", "sort_order", "width", "height"]
        read_only_fields = fields

    def get_thumbnail_url(self, image: ProductImage) -> str:
        name = grid_image_name(original=image.image.name or "", renditions=image.renditions)
        return object_url(name, request=self.context.get("request"))
