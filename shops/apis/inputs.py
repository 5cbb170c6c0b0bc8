"""What the owner's endpoints accept, parsed into the arguments of the services."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shops.models import MAIL_FOOTER_MAX, MAIL_SENDER_NAME_MAX, Product, ProductStatus, StockStatus, VariantInputType
from shops.variant_plan import MAX_VARIANT_TYPES
from shops.variants import OPTION_KEYS, TYPE_KEYS

MAX_ID = 2**63 - 1  # bigint, the type of every primary key
MONEY_INPUT: dict[str, Any] = {"max_digits": 12, "decimal_places": 3, "min_value": Decimal(0)}
# Non-negative, 1 to 9 digits, at most 3 decimals (and no more than the shop currency's: 2 for USD, 0 for JPY).
MONEY_SCHEMA = {
    "type": "string",
    "format": "decimal",
    "pattern": r"^\d{1,9}(?:\.\d{1,3})?$",
    "description": "At most the decimals of the shop's currency (2 for USD, 0 for JPY, 3 for KWD).",
}
# Blank (made from the name), or anything with a letter or digit: it is slugified ("Blue Mug" -> "blue-mug").
SLUG_SCHEMA_PATTERN = r"(^$|[A-Za-z0-9])"


@extend_schema_field(MONEY_SCHEMA)
class MoneyInputField(serializers.DecimalField):
    """A price: a decimal string (a JSON number is accepted too), never negative."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**MONEY_INPUT, **kwargs)


@extend_schema_field({"type": "string", "maxLength": 140, "pattern": SLUG_SCHEMA_PATTERN})
class SlugInputField(serializers.CharField):
    """A slug as the client gives it: normalised by the service; refused when nothing of it remains."""


STATUS_ALIASES = {"inactive": ProductStatus.DRAFT}  # the existing frontend's word for "not on sale"


class ShopInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    slug = serializers.CharField(
        max_length=80, required=False, allow_blank=True, help_text="Made from the name when blank."
    )
    heading = serializers.CharField(max_length=255, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    currency = serializers.CharField(min_length=3, max_length=3, required=False, help_text="ISO 4217, e.g. USD.")
    featured_category_1 = serializers.IntegerField(required=False, allow_null=True, help_text="A category id.")
    featured_category_2 = serializers.IntegerField(required=False, allow_null=True)
    featured_category_3 = serializers.IntegerField(required=False, allow_null=True)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_website = serializers.URLField(max_length=500, required=False, allow_blank=True)
    contact_address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    show_stock_quantity = serializers.BooleanField(required=False, help_text="Show exact stock on the storefront.")
    mail_sender_name = serializers.CharField(
        max_length=MAIL_SENDER_NAME_MAX,
        required=False,
        allow_blank=True,
        help_text="The From name of the shop's mails (blank: the shop's name). One line.",
    )
    mail_footer = serializers.CharField(
        max_length=MAIL_FOOTER_MAX,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text="Plain text under every mail to buyers (line breaks kept; no markup is interpreted).",
    )
    mail_show_logo = serializers.BooleanField(required=False, help_text="Show the profile image atop the mails.")
    # profile_image_url / cover_image_url are not accepted: images are set only by uploading them.

    def validate_currency(self, value: str) -> str:
        return value.upper()


class CategoryInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.CharField(
        max_length=140, required=False, allow_blank=True, help_text="Made from the name when blank."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)


class VariantOptionInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(max_length=64, trim_whitespace=True)
    value = serializers.CharField(max_length=128, required=False, allow_blank=True, help_text="Defaults to name.")
    color_hex = serializers.CharField(max_length=7, required=False, allow_blank=True, help_text="#rrggbb")


class VariantTypeInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(max_length=64, trim_whitespace=True)
    input_type = serializers.ChoiceField(choices=VariantInputType.values, required=False)
    # many=True hands max_length to the ListSerializer it makes; the stubs type the call as a single Serializer.
    options = VariantOptionInputSerializer(many=True, max_length=settings.PRODUCT_MAX_OPTIONS_PER_TYPE)  # type: ignore[call-arg]


class IdOrName(serializers.Field):
    """A JSON integer is an id; a JSON string is a name (of a type or option created in the same payload)."""

    def to_internal_value(self, data: Any) -> int | str:
        if isinstance(data, bool) or not isinstance(data, int | str):
            raise serializers.ValidationError("Give an id (a number) or a name (a string).")
        if isinstance(data, str) and not data.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


ID_OR_NAME = {"oneOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "string", "minLength": 1}]}


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "variant_type_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "variant_option_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "variant_type": {**ID_OR_NAME, "description": "An id, or the name of a type in the same payload."},
            "variant_option": {**ID_OR_NAME, "description": "An id, or the name of an option in the same payload."},
        },
        "description": "One option of the item's combination. `type_id` / `option_id` are accepted too.",
    }
)
class InventoryOptionInputField(serializers.Field):
    """`{variant_type_id, variant_option_id}`; `type_id`/`option_id` and `variant_type`/`variant_option`
    (an id, or a name for a type or option created in the same payload) are accepted too. A field, not a
    serializer without fields, so that the schema documents it."""

    ALIASES = {"variant_type": TYPE_KEYS, "variant_option": OPTION_KEYS}

    def to_internal_value(self, data: Any) -> dict[str, int | str | None]:
        if not isinstance(data, dict):
            raise serializers.ValidationError("Each option is an object {variant_type_id, variant_option_id}.")
        parsed: dict[str, int | str | None] = {}
        for target, names in self.ALIASES.items():
            given = [name for name in names if data.get(name) is not None]
            parsed[target] = IdOrName().to_internal_value(data[given[0]]) if given else None
            if parsed[target] is not None and given[0].endswith("_id") and not isinstance(parsed[target], int):
                # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
                if not (str(parsed[target]).isascii() and str(parsed[target]).isdigit()):
                    raise serializers.ValidationError({given[0]: "A valid integer is required."})
                parsed[target] = int(str(parsed[target]))
            value = parsed[target]
            if isinstance(value, int) and not 1 <= value <= MAX_ID:
                raise serializers.ValidationError({given[0]: f"Ensure this value is between 1 and {MAX_ID}."})
        return parsed

    def to_representation(self, value: Any) -> Any:
        return value


class InventoryItemInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    stock_quantity = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)
    price_override = MoneyInputField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)
    is_default = serializers.BooleanField(required=False)
    options = serializers.ListField(child=InventoryOptionInputField(), required=False, max_length=MAX_VARIANT_TYPES + 1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("sku") is None:
            attrs.pop("sku", None)
        return attrs


class ProductInputSerializer(serializers.Serializer):
    """Prices come either as `price` (+ optional `compare_at_price`) or, as the existing frontend sends them,
    `base_price` (+ optional `discounted_price`, below the base price). `category` takes a category *name*
    (created when new); `category_id` takes an id."""

    name = serializers.CharField(max_length=255)
    slug = SlugInputField(max_length=140, required=False, allow_blank=True)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True)
    short_description = serializers.CharField(max_length=512, required=False, allow_blank=True)
    long_description = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=50_000, help_text="= long_description"
    )
    category_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    category = serializers.CharField(max_length=120, required=False, allow_blank=True, allow_null=True)
    status = serializers.ChoiceField(choices=[*ProductStatus.values, *STATUS_ALIASES], required=False)
    price = MoneyInputField(required=False)
    compare_at_price = MoneyInputField(required=False, allow_null=True)
    base_price = MoneyInputField(required=False)
    discounted_price = MoneyInputField(required=False, allow_null=True)
    stock_quantity = serializers.IntegerField(min_value=0, max_value=2_147_483_647, required=False)
    stock_status = serializers.ChoiceField(
        choices=StockStatus.values, required=False, help_text="in_stock (not tracked), limited (tracked), out_of_stock"
    )
    available_from = serializers.DateField(required=False, allow_null=True)
    available_to = serializers.DateField(required=False, allow_null=True)
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False, help_text="Optional; must be the shop's currency."
    )
    # many=True hands max_length to the ListSerializer it makes; the stubs type the call as a single Serializer.
    variant_types = VariantTypeInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=MAX_VARIANT_TYPES + 1, help_text="Replaces all variant types."
    )
    inventory_items = InventoryItemInputSerializer(  # type: ignore[call-arg]  # max_length: as above
        many=True,
        required=False,
        max_length=settings.PRODUCT_MAX_INVENTORY_ITEMS,
        help_text="Replaces all inventory items (at most PRODUCT_MAX_INVENTORY_ITEMS).",
    )

    def validate_currency(self, value: str) -> str:
        return value.upper()

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
