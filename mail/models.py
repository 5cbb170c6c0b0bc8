"""One row per message: what it says, to whom, and where it is on its way out."""

from django.db import models


class MailState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # every retry used up: the admin can queue it again


class OutboundMail(models.Model):
    # What caused it, for people and tests: e.g. kind "order_confirmation", reference "order:SB-…".
    kind = models.CharField(max_length=64, db_index=True)
    reference = models.CharField(max_length=128, blank=True, default="", db_index=True)
    to = models.EmailField(max_length=254)
    from_email = models.CharField(max_length=320)
    reply_to = models.EmailField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True, default="")
    # Fixed when queued, so a message sent twice (at-least-once delivery) carries the same Message-ID.
    message_id = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=8, choices=MailState.choices, default=MailState.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.state})"
