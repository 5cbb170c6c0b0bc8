"""The owner's endpoints: register (the secret returned once), change, delete, rotate the secret, ping, and the
shop's low-stock threshold."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from events.bus import EventType
from shops.models import Shop
from webhooks.addresses import AddressRefused, url_check
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSettings
from webhooks.services.fanout import PING, event_send
from webhooks.signing import secret_new

EVENT_TYPES = tuple(str(event_type) for event_type in EventType)
# How long the old secret keeps signing after a rotation, unless the owner says otherwise (at most a week).
PREVIOUS_SECRET_DEFAULT_HOURS = 24
PREVIOUS_SECRET_MAX_HOURS = 7 * 24


def url_checked(url: str) -> str:
    try:
        url_check(url)
    except AddressRefused as refused:
        raise ValidationError({"url": [str(refused)]}) from refused
    return url


def _event_types_checked(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError({"event_types": [f"Unknown event type {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}."]})
    if not event_types:
        raise ValidationError({"event_types": ["Subscribe to at least one event type."]})
    return sorted(set(event_types))


@dataclass(frozen=True)
class EndpointCreated:
    endpoint: WebhookEndpoint
    secret: str  # shown once


@transaction.atomic
def endpoint_create(*, shop: Shop, url: str, event_types: list[str], description: str = "") -> EndpointCreated:
    """Refused past WEBHOOKS_MAX_ENDPOINTS_PER_SHOP (the shop's row is locked before counting) and for a URL
    that is not https or leads to a non-public address (webhooks.addresses)."""
    shop = Shop.objects.select_for_update().get(id=shop.id)
    limit = settings.WEBHOOKS_MAX_ENDPOINTS_PER_SHOP
    if WebhookEndpoint.objects.filter(shop=shop).count() >= limit:
        raise ValidationError(
            {"url": [f"A shop can have at most {limit} webhook endpoints (WEBHOOKS_MAX_ENDPOINTS_PER_SHOP)."]}
        )
    endpoint = WebhookEndpoint(
        shop=shop,
        url=url_checked(url),
        event_types=_event_types_checked(event_types),
        description=description,
        secret=secret_new(),
    )
    endpoint.full_clean()
    endpoint.save()
    return EndpointCreated(endpoint=endpoint, secret=endpoint.secret)


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, data: dict[str, Any]) -> WebhookEndpoint:
    """Changes `url`, `event_types`, `description`, `is_active` when present. Enabling a disabled endpoint
    clears its failure record (replay what it missed separately)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(id=endpoint.id)
    if "url" in data:
        endpoint.url = url_checked(data["url"])
    if "event_types" in data:
        endpoint.event_types = _event_types_checked(data["event_types"])
    if "description" in data:
        endpoint.description = data["description"]
    if "is_active" in data and data["is_active"] != endpoint.is_active:
        endpoint.is_active = data["is_active"]
        endpoint.failing_since = None
        endpoint.disabled_reason = "" if endpoint.is_active else "Disabled by the owner."
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """With its deliveries and their log; pending jobs find nothing to send."""
    endpoint.delete()


@transaction.atomic
def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, previous_valid_hours: int | None = None) -> EndpointCreated:
    """A new secret (returned once); the old one also signs for `previous_valid_hours` (default 24, 0 to stop
    at once), so receivers can move to the new one without missing a delivery."""
    hours = PREVIOUS_SECRET_DEFAULT_HOURS if previous_valid_hours is None else previous_valid_hours
    if not 0 <= hours <= PREVIOUS_SECRET_MAX_HOURS:
        raise ValidationError({"previous_valid_hours": [f"Between 0 and {PREVIOUS_SECRET_MAX_HOURS}."]})
    endpoint = WebhookEndpoint.objects.select_for_update().get(id=endpoint.id)
    endpoint.previous_secret = endpoint.secret if hours else ""
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(hours=hours) if hours else None
    endpoint.secret = secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return EndpointCreated(endpoint=endpoint, secret=endpoint.secret)


@transaction.atomic
def endpoint_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.ping` event to this endpoint alone (whatever it subscribes to), logged like any delivery."""
    if not endpoint.is_active:
        raise ValidationError({"endpoint": ["The endpoint is disabled: enable it (is_active) first."]})
    event = event_send(
        shop=endpoint.shop, type=PING, data={"endpoint_id": endpoint.id, "url": endpoint.url}, endpoints=[endpoint]
    )
    return WebhookDelivery.objects.get(event=event)


@transaction.atomic
def webhook_settings_update(*, shop: Shop, low_stock_threshold: int) -> WebhookSettings:
    settings_row, _ = WebhookSettings.objects.select_for_update().get_or_create(shop=shop)
    settings_row.low_stock_threshold = low_stock_threshold
    settings_row.full_clean()
    settings_row.save()
    return settings_row
