"""How shops get paid: each shop's payment settings, one payment per order (manual or Stripe), its refunds, and
the Stripe events received (stored by id, applied once)."""

from django.db import models
from django.db.models import Q

from orders.models import Order, OrderItem
from shops.models import Shop


class Provider(models.TextChoices):
    MANUAL = "manual", "Manual (bank transfer, cash on delivery)"
    STRIPE = "stripe", "Stripe"


class ShopPaymentSettings(models.Model):
    """What a shop takes. Manual is on by default (what a shop did before payments existed: the seller marks
    the order paid); Stripe once the shop's connected account can take charges."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="payment_settings")
    manual_enabled = models.BooleanField(default=True)
    manual_instructions = models.TextField(blank=True, default="", max_length=2000)
    stripe_enabled = models.BooleanField(default=False)
    stripe_account_id = models.CharField(max_length=255, blank=True, default="")
    stripe_charges_enabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Payment settings of shop {self.shop_id}"


class PaymentStatus(models.TextChoices):
    """Forward only (payments/services/state.py): pending -> paid | canceled; paid -> partially_refunded ->
    refunded. A failed card attempt is no state: the buyer may try another card on the same intent."""

    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    CANCELED = "canceled", "Canceled"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


class Payment(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="payment")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    currency = models.CharField(max_length=3)
    # In Stripe's minor units of `currency` (payments/money.py), as charged: the order's total, exactly.
    amount = models.BigIntegerField()
    refunded_amount = models.BigIntegerField(default=0)
    application_fee_amount = models.BigIntegerField(default=0)
    stripe_account_id = models.CharField(max_length=255, blank=True, default="")
    intent_id = models.CharField(max_length=255, blank=True, default="")
    client_secret = models.CharField(max_length=255, blank=True, default="")
    # The last failed attempt's message (the intent stays open for another card).
    failure_message = models.CharField(max_length=500, blank=True, default="")
    failed_attempts = models.PositiveIntegerField(default=0)
    is_disputed = models.BooleanField(default=False)
    dispute_status = models.CharField(max_length=40, blank=True, default="")
    # Why a payment ended as it did when it is not the obvious way (a success that landed after expiry).
    note = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["intent_id"], condition=~Q(intent_id=""), name="payments_one_per_intent"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payments_refunded_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["status", "provider", "created_at"], name="payments_pending_idx")]

    def __str__(self) -> str:
        return f"{self.provider} payment of order {self.order_id} ({self.status})"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.BigIntegerField()  # Stripe's minor units, like the payment's
    reason = models.CharField(max_length=255, blank=True, default="")
    # The owner's Idempotency-Key: a retry of the same refund returns it instead of refunding twice.
    idempotency_key = models.CharField(max_length=255)
    stripe_refund_id = models.CharField(max_length=255, blank=True, default="")
    restocked_items = models.ManyToManyField(OrderItem, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "idempotency_key"], name="payments_refund_idempotent"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive"),
        ]

    def __str__(self) -> str:
        return f"Refund of {self.amount} on payment {self.payment_id}"


class StripeEvent(models.Model):
    """A Stripe event as received (its signature verified), stored once by its id; `applied_at` is set in the
    same transaction that applies it, so it is applied once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    account = models.CharField(max_length=255, blank=True, default="")
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # What applying it did ("paid", "ignored: ...", "waiting: no payment yet").
    outcome = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(fields=["received_at"], condition=Q(applied_at__isnull=True), name="payments_event_unapplied")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
