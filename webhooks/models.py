"""Endpoints a shop registered, the events sent to them, and every delivery and attempt (the log)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models

from shops.models import Shop

URL_MAX_LENGTH = 2000
RESPONSE_SNIPPET_MAX_CHARS = 1024


class WebhookEndpoint(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=URL_MAX_LENGTH)
    description = models.CharField(max_length=255, blank=True, default="")
    event_types = ArrayField(models.CharField(max_length=64))
    # `whsec_` + base64 of 32 random bytes (Standard Webhooks). Kept to sign; shown to the owner once.
    secret = models.CharField(max_length=64)
    # After a rotation the old secret signs too (a second signature) until it expires, so receivers can switch.
    previous_secret = models.CharField(max_length=64, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True, default="")
    # Since when every attempt has failed (cleared by a success): failing for WEBHOOKS_DISABLE_AFTER_HOURS
    # disables the endpoint and mails its owner.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.shop_id})"


class WebhookSettings(models.Model):
    """A shop's webhook settings (its own table: the catalogue's tables know nothing of webhooks)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="webhook_settings")
    # inventory.low_stock is sent when a checkout takes a tracked product from above this to at or below it.
    low_stock_threshold = models.PositiveIntegerField(default=5)

    def __str__(self) -> str:
        return f"Webhook settings of shop {self.shop_id}"


class WebhookEvent(models.Model):
    """One event as sent: `body` is the exact JSON signed and posted, the same bytes on every attempt."""

    id = models.CharField(max_length=40, primary_key=True)  # msg_…: the webhook-id header
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(max_length=64)
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"  # every retry used up, or the endpoint was disabled: can be replayed


class WebhookDelivery(models.Model):
    """An event on its way to one endpoint (a replay is a new delivery of the same event)."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhooks_delivery_endpoint_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} to endpoint {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: what came back (or why nothing did), and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    response_snippet = models.CharField(max_length=RESPONSE_SNIPPET_MAX_CHARS, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at}: {self.status_code or self.error}"
