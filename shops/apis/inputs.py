"""What the owner's endpoints accept, parsed into the arguments of the services."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from shops.models import Product, ProductStatus

MONEY_INPUT = {"max_digits": 12, "decimal_places": 3, "min_value": Decimal(0)}
STATUS_ALIASES = {"inactive": ProductStatus.DRAFT}  # the existing frontend's word for "not on sale"


class ShopInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    slug = serializers.CharField(
        max_length=80, required=False, allow_blank=True, help_text="Made from the name when blank."
    )
    heading = serializers.CharField(max_length=255, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    currency = serializers.CharField(min_length=3, max_length=3, required=False, help_text="ISO 4217, e.g. USD.")

    def validate_currency(self, value: str) -> str:
        return value.upper()


class CategoryInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.CharField(
        max_length=140, required=False, allow_blank=True, help_text="Made from the name when blank."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class ProductInputSerializer(serializers.Serializer):
    """Prices come either as `price` (+ optional `compare_at_price`) or, as the existing frontend sends them,
    `base_price` (+ optional `discounted_price`, below the base price). `category` takes a category *name*
    (created when new); `category_id` takes an id."""

    name = serializers.CharField(max_length=255)
    slug = serializers.CharField(max_length=140, required=False, allow_blank=True)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True)
    short_description = serializers.CharField(max_length=512, required=False, allow_blank=True)
    long_description = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=50_000, help_text="= long_description"
    )
    category_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    category = serializers.CharField(max_length=120, required=False, allow_blank=True, allow_null=True)
    status = serializers.ChoiceField(choices=[*ProductStatus.values, *STATUS_ALIASES], required=False)
    price = serializers.DecimalField(**MONEY_INPUT, required=False)
    compare_at_price = serializers.DecimalField(**MONEY_INPUT, required=False, allow_null=True)
    base_price = serializers.DecimalField(**MONEY_INPUT, required=False)
    discounted_price = serializers.DecimalField(**MONEY_INPUT, required=False, allow_null=True)
    stock_quantity = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        product: Product | None = self.context.get("product")
        attrs = dict(attrs)
        if "status" in attrs:
            attrs["status"] = STATUS_ALIASES.get(attrs["status"], attrs["status"])
        if "description" in attrs:
            attrs.setdefault("long_description", attrs.pop("description"))
        if "category" in attrs:
            if "category_id" in attrs:
                raise serializers.ValidationError({"category": "Give either category (a name) or category_id."})
            attrs["category_name"] = attrs.pop("category")
        uses_price = "price" in attrs or "compare_at_price" in attrs
        uses_base = "base_price" in attrs or "discounted_price" in attrs
        if uses_price and uses_base:
            raise serializers.ValidationError(
                {"price": "Give either price/compare_at_price or base_price/discounted_price, not both."}
            )
        if uses_base:
            attrs.update(self._from_base_and_discount(attrs, product))
        elif product is None and "price" not in attrs:
            raise serializers.ValidationError({"price": "This field is required."})
        return attrs

    def _from_base_and_discount(self, attrs: dict[str, Any], product: Product | None) -> dict[str, Any]:
        current_base = (product.compare_at_price or product.price) if product else None
        current_discount = product.price if product and product.compare_at_price is not None else None
        base = attrs.pop("base_price", current_base)
        discounted = attrs.pop("discounted_price", current_discount)
        if base is None:
            raise serializers.ValidationError({"base_price": "This field is required."})
        if discounted is None:
            return {"price": base, "compare_at_price": None}
        if discounted >= base:
            raise serializers.ValidationError(
                {"discounted_price": "The discounted price must be below the base price."}
            )
        return {"price": discounted, "compare_at_price": base}


class ProductImageUpdateInputSerializer(serializers.Serializer):
    alt_text = serializers.CharField(max_length=255, allow_blank=True)


class ProductImageReorderInputSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=1000,
        help_text="Every image id of the product, in the new order; the first becomes the primary image.",
    )
