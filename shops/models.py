"""Shops and their catalogue: categories, products and product images."""

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from shops.branding import validate_mail_footer, validate_single_line
from shops.currencies import validate_currency_code

MAIL_SENDER_NAME_MAX = 78  # what a From display name may hold on one header line
MAIL_FOOTER_MAX = 1000
MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 3, "validators": [MinValueValidator(0)]}


class Shop(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shops")
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=80, unique=True, error_messages={"unique": "This slug is already in use."})
    heading = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency_code])
    # Stored object names (set only by the upload services, never from a client's URL).
    profile_image = models.FileField(max_length=255, blank=True, default="")
    cover_image = models.FileField(max_length=255, blank=True, default="")
    featured_category_1 = models.ForeignKey(
        "Category", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    featured_category_2 = models.ForeignKey(
        "Category", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    featured_category_3 = models.ForeignKey(
        "Category", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_email = models.EmailField(blank=True, default="")
    contact_phone = models.CharField(max_length=32, blank=True, default="")
    contact_website = models.URLField(max_length=500, blank=True, default="")
    contact_address = models.TextField(max_length=1000, blank=True, default="")
    # Whether the storefront shows exact stock counts; otherwise customers only see in/out of stock.
    show_stock_quantity = models.BooleanField(default=False)
    # Branding of the shop's mails to buyers (plain values put into our own templates, never templates):
    # the From display name (blank: the shop's name), a footer under every mail, the profile image as logo.
    mail_sender_name = models.CharField(
        max_length=MAIL_SENDER_NAME_MAX, blank=True, default="", validators=[validate_single_line]
    )
    mail_footer = models.TextField(
        max_length=MAIL_FOOTER_MAX, blank=True, default="", validators=[validate_mail_footer]
    )
    mail_show_logo = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                "shop",
                Lower("name"),
                name="shops_category_name_unique_per_shop",
                violation_error_message="This shop already has a category with this name.",
            ),
            models.UniqueConstraint(
                fields=["shop", "slug"],
                name="shops_category_slug_unique_per_shop",
                violation_error_message="This shop already has a category with this slug.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


# The dashboard's words: it knows `active` and `inactive` (= draft). The owner's API answers in them and
# accepts both.
STATUS_FOR_DASHBOARD = {
    ProductStatus.DRAFT: "inactive",
    ProductStatus.ACTIVE: "active",
    ProductStatus.ARCHIVED: "archived",
}


class StockStatus(models.TextChoices):
    """The owner's stock mode. `in_stock`: not tracked, always buyable. `limited`: quantities are tracked
    (the product's own, or the sum of its active inventory items); at 0 customers see it out of stock, and
    it is buyable again as soon as stock comes back. `out_of_stock`: not buyable, whatever the counts."""

    IN_STOCK = "in_stock", "In stock (not tracked)"
    LIMITED = "limited", "Limited (tracked)"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"


class Product(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="products")
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=140)
    sku = models.CharField(max_length=64, blank=True, default="")
    short_description = models.CharField(max_length=512, blank=True, default="")
    long_description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=ProductStatus.choices, default=ProductStatus.ACTIVE)
    # Amounts are in the shop's currency; three decimal places hold every ISO 4217 currency's minor unit.
    price = models.DecimalField(**MONEY)
    compare_at_price = models.DecimalField(null=True, blank=True, **MONEY)
    stock_status = models.CharField(max_length=12, choices=StockStatus.choices, default=StockStatus.IN_STOCK)
    # With inventory items, the sum of the active items' stock (kept in step by the services).
    stock_quantity = models.PositiveIntegerField(default=0)
    available_from = models.DateField(null=True, blank=True, help_text="Not buyable or listed before this day.")
    available_to = models.DateField(null=True, blank=True, help_text="Not buyable or listed after this day.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "slug"],
                name="shops_product_slug_unique_per_shop",
                violation_error_message="This shop already has a product with this slug.",
            ),
            models.UniqueConstraint(
                fields=["shop", "sku"],
                condition=~Q(sku=""),
                name="shops_product_sku_unique_per_shop",
                violation_error_message="This shop already has a product with this SKU.",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="shops_product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=F("price")),
                name="shops_product_compare_at_above_price",
                violation_error_message="The compare-at price must be higher than the price.",
            ),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_to__isnull=True)
                | Q(available_to__gte=F("available_from")),
                name="shops_product_availability_window_ordered",
                violation_error_message="available_to must not be before available_from.",
            ),
        ]
        indexes = [models.Index(fields=["shop", "status", "-created_at"], name="shops_product_listing")]

    def __str__(self) -> str:
        return self.name


FIRST_IMAGE_POSITION = 1


class ProductImage(models.Model):
    """One photo of a product. Positions are contiguous from 1 (as the existing frontend numbers them); 1 is
    the primary image."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.FileField(max_length=255)
    alt_text = models.CharField(max_length=255, blank=True, default="")
    position = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField(help_text="Bytes of the stored original.")
    # Width in pixels -> stored object name of a WebP rendition of that width.
    renditions = models.JSONField(default=dict, blank=True)
    dominant_color = models.CharField(max_length=7, blank=True, default="", help_text="#rrggbb")
    placeholder = models.TextField(
        blank=True, default="", help_text="A tiny blurred data: URI for progressive loading."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # Deferred, so a reorder can swap positions inside one transaction.
            models.UniqueConstraint(
                fields=["product", "position"],
                name="shops_productimage_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} #{self.position}"

    @property
    def is_primary(self) -> bool:
        return self.position == FIRST_IMAGE_POSITION

    @property
    def object_names(self) -> list[str]:
        """The stored original and every rendition."""
        return [name for name in (self.image.name, *self.renditions.values()) if name]


class VariantInputType(models.TextChoices):
    TEXT = "text", "Text"
    COLOR = "color", "Colour swatch"


class ProductVariantType(models.Model):
    """A dimension a product varies in (Size, Colour); at most three per product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variant_types")
    name = models.CharField(max_length=64)
    input_type = models.CharField(max_length=10, choices=VariantInputType.choices, default=VariantInputType.TEXT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint("product", Lower("name"), name="shops_varianttype_name_unique_per_product"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductVariantOption(models.Model):
    variant_type = models.ForeignKey(ProductVariantType, on_delete=models.CASCADE, related_name="options")
    name = models.CharField(max_length=64)
    value = models.CharField(max_length=128, blank=True, default="")
    color_hex = models.CharField(max_length=7, blank=True, default="", help_text="#rrggbb, for colour swatches")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint("variant_type", Lower("name"), name="shops_variantoption_name_unique_per_type"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductInventoryItem(models.Model):
    """One sellable combination of options (one option of each variant type), with its own stock and price."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="inventory_items")
    options = models.ManyToManyField(ProductVariantOption, related_name="inventory_items", blank=True)
    # The sorted option ids, "3-7-12" ("" without options): one item per combination.
    option_key = models.CharField(max_length=255, blank=True, default="")
    sku = models.CharField(max_length=64, blank=True, default="")
    price_override = models.DecimalField(null=True, blank=True, **MONEY)
    stock_quantity = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "option_key"], name="shops_inventoryitem_one_per_combination"),
            models.UniqueConstraint(
                fields=["product"], condition=Q(is_default=True), name="shops_inventoryitem_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} [{self.option_key or 'default'}]"


class DirectUpload(models.Model):
    """A presigned upload straight to the bucket that a user asked for, for one product. It can be completed
    once, by that user, for that product, before it expires; uncompleted ones are purged."""

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="direct_uploads")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="direct_uploads")
    key = models.CharField(max_length=255, unique=True, help_text="Object name the client uploads to.")
    content_type = models.CharField(max_length=50)
    max_bytes = models.PositiveBigIntegerField()
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key
