"""Reads of endpoints and their delivery log, scoped to a shop the caller owns (another's is a 404)."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from shops.models import Shop
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSettings
from webhooks.services.fanout import DEFAULT_LOW_STOCK_THRESHOLD


def endpoint_list(*, shop: Shop) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(shop=shop).order_by("id")


def endpoint_get(*, shop: Shop, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.select_related("shop"), shop=shop, id=endpoint_id)


def _deliveries(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event", "endpoint")
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("attempted_at", "id")))
        .order_by("-created_at", "-id")
    )


def delivery_list(*, endpoint: WebhookEndpoint, state: str | None = None) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its attempts (three queries for any page)."""
    deliveries = _deliveries(endpoint)
    return deliveries.filter(state=state) if state else deliveries


def delivery_get(*, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(_deliveries(endpoint), id=delivery_id)


def low_stock_threshold_get(*, shop: Shop) -> int:
    threshold = WebhookSettings.objects.filter(shop=shop).values_list("low_stock_threshold", flat=True).first()
    return DEFAULT_LOW_STOCK_THRESHOLD if threshold is None else threshold
