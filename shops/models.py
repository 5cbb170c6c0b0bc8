"""Shops and their catalogue: categories, products and product images."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from shops.currencies import validate_currency_code

MONEY = {"max_digits": 12, "decimal_places": 3, "validators": [MinValueValidator(0)]}


class Shop(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shops")
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=80, unique=True, error_messages={"unique": "This slug is already in use."})
    heading = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency_code])
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
    stock_quantity = models.PositiveIntegerField(default=0)
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
        ]
        indexes = [models.Index(fields=["shop", "status", "-created_at"], name="shops_product_listing")]

    def __str__(self) -> str:
        return self.name


class ProductImage(models.Model):
    """One photo of a product. Position 0 is the primary image; positions are contiguous from 0."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.FileField(max_length=255)
    alt_text = models.CharField(max_length=255, blank=True, default="")
    position = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField(help_text="Bytes of the stored original.")
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
        return self.position == 0
