"""The delivery log: replays (a new delivery of the same event, same webhook-id, so receivers can de-duplicate) and
its removal after WEBHOOK_LOG_KEPT."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services.fanout import deliveries_defer

# Every delivery and attempt, successes included, is kept this long.
WEBHOOK_LOG_KEPT = timedelta(days=30)
# Events one "replay since" may queue: a longer outage is replayed in several calls (later `since`).
REPLAY_MAX_EVENTS = 1000


def _active_check(endpoint: WebhookEndpoint) -> None:
    if not endpoint.is_active:
        raise ValidationError({"endpoint": ["The endpoint is disabled: enable it (is_active) before replaying."]})


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    _active_check(delivery.endpoint)
    replay = WebhookDelivery.objects.create(event_id=delivery.event_id, endpoint=delivery.endpoint, replay_of=delivery)
    deliveries_defer([replay])
    return replay


@transaction.atomic
def endpoint_replay_since(*, endpoint: WebhookEndpoint, since: datetime, only_failed: bool = False) -> int:
    """A new delivery of every event sent to the endpoint since `since` (oldest first), or only of those never
    delivered successfully; how many were queued. More than REPLAY_MAX_EVENTS is refused."""
    _active_check(endpoint)
    events = WebhookEvent.objects.filter(deliveries__endpoint=endpoint, created_at__gte=since)
    if only_failed:
        events = events.exclude(deliveries__endpoint=endpoint, deliveries__state=DeliveryState.SUCCEEDED)
    event_ids = list(
        events.order_by("created_at", "id").values_list("id", flat=True).distinct()[: REPLAY_MAX_EVENTS + 1]
    )
    if len(event_ids) > REPLAY_MAX_EVENTS:
        raise ValidationError(
            {"since": [f"More than {REPLAY_MAX_EVENTS} events since then: replay a shorter period (a later since)."]}
        )
    replays = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event_id=event_id, endpoint=endpoint) for event_id in event_ids
    )
    deliveries_defer(replays)
    return len(replays)


@transaction.atomic
def webhook_log_remove_old() -> tuple[int, int]:
    """Deliveries (with their attempts) made more than WEBHOOK_LOG_KEPT ago, then the events older than that no
    delivery refers to any more: (deliveries, events) removed."""
    cutoff = timezone.now() - WEBHOOK_LOG_KEPT
    _, deleted = WebhookDelivery.objects.filter(created_at__lt=cutoff).delete()
    _, deleted_events = WebhookEvent.objects.filter(created_at__lt=cutoff, deliveries__isnull=True).delete()
    return deleted.get("webhooks.WebhookDelivery", 0), deleted_events.get("webhooks.WebhookEvent", 0)
