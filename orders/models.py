"""Carts (anonymous, by token, per shop) and the orders that checkout makes of them.

Order lines keep a snapshot of what was sold (name, SKU, options, price), so a product, variant or shop
can be deleted after a sale without touching the order's history."""

from django.db import models
from django.db.models import Q

from shops.models import MONEY, Product, ProductInventoryItem, Shop


class CartStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CONVERTED = "converted", "Converted to an order"
    ABANDONED = "abandoned", "Abandoned"


class Cart(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="carts")
    # The only secret of an anonymous cart: 256 random bits, URL-safe.
    token = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=CartStatus.choices, default=CartStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Cart {self.token[:8]}… ({self.status})"


class CartItem(models.Model):
    """A line: one product, or one inventory item (variant combination) of it. Prices are not stored:
    they are read from the catalogue, and read again at checkout."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="cart_items")
    inventory_item = models.ForeignKey(
        ProductInventoryItem, on_delete=models.CASCADE, null=True, blank=True, related_name="cart_items"
    )
    # For products with variant types but no inventory items: the chosen option ids, sorted ("3-7").
    option_key = models.CharField(max_length=255, blank=True, default="")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product", "inventory_item", "option_key"],
                nulls_distinct=False,
                name="orders_cartitem_one_line_per_variant",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orders_cartitem_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    FULFILLED = "fulfilled", "Fulfilled"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class Order(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="orders")
    cart = models.OneToOneField(Cart, on_delete=models.SET_NULL, null=True, blank=True, related_name="order")
    order_number = models.CharField(max_length=32, unique=True)
    # A client's retry of the same checkout sends the same key and gets the same order back.
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    # SHA-256 of the checkout's body as the service received it: a key reused with another body is refused.
    request_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    currency = models.CharField(max_length=3)
    subtotal_amount = models.DecimalField(**MONEY)
    discount_amount = models.DecimalField(default=0, **MONEY)
    tax_amount = models.DecimalField(default=0, **MONEY)
    shipping_amount = models.DecimalField(default=0, **MONEY)
    total_amount = models.DecimalField(**MONEY)
    customer_name = models.CharField(max_length=255)
    customer_email = models.EmailField()
    customer_phone = models.CharField(max_length=32, blank=True, default="")
    notes = models.TextField(blank=True, default="", max_length=2000)
    shipping_address = models.JSONField(default=dict, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)
    placed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "idempotency_key"], condition=~Q(idempotency_key=""), name="orders_order_idempotent"
            ),
        ]

    def __str__(self) -> str:
        return self.order_number


class OrderItem(models.Model):
    """A line as it was sold: the snapshot stays when the product or variant is gone."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    inventory_item = models.ForeignKey(
        ProductInventoryItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_name = models.CharField(max_length=255)
    product_slug = models.CharField(max_length=140, blank=True, default="")
    sku = models.CharField(max_length=64, blank=True, default="")
    option_label = models.CharField(max_length=255, blank=True, default="")
    options = models.JSONField(default=list, blank=True)
    unit_price = models.DecimalField(**MONEY)
    quantity = models.PositiveIntegerField()
    subtotal_amount = models.DecimalField(**MONEY)
    # Whether this line took stock (a tracked product): cancelling or refunding gives it back.
    stock_taken = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"
