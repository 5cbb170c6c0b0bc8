"""One delivery attempt: sign, POST (webhooks.client), log the attempt, and keep the endpoint's health. No database
transaction is open while the request is in flight."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mail.services import mail_queue
from webhooks import client
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.signing import signed_headers


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx (the job is retried with backoff)."""


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The current secret, and the previous one until its rotation grace period ends."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > timezone.now():
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def _endpoint_disable_notice(endpoint: WebhookEndpoint, reason: str) -> None:
    owner = endpoint.shop.owner
    if not owner.email:
        return
    mail_queue(
        kind="webhook_endpoint_disabled",
        to=owner.email,
        subject=f"Webhook endpoint disabled: {endpoint.shop.name}",
        text_body=(
            f"Every delivery to your webhook endpoint {endpoint.url} of the shop {endpoint.shop.name} has failed "
            f"for {settings.WEBHOOKS_DISABLE_AFTER_HOURS} hours, so it is now disabled: {reason}\n\n"
            "Once it answers again, enable it (PATCH is_active=true) and replay what it missed (POST .../replay/ "
            "with the time to replay from). Its delivery log shows every attempt and what came back."
        ),
        reference=f"webhook_endpoint:{endpoint.id}",
    )


def _failure_record(endpoint: WebhookEndpoint, result: client.AttemptResult) -> None:
    now = timezone.now()
    WebhookEndpoint.objects.filter(id=endpoint.id, failing_since__isnull=True).update(failing_since=now)
    cutoff = now - timedelta(hours=settings.WEBHOOKS_DISABLE_AFTER_HOURS)
    reason = f"last attempt: {result.status_code or result.error}"[:255]
    disabled = WebhookEndpoint.objects.filter(id=endpoint.id, is_active=True, failing_since__lte=cutoff).update(
        is_active=False, disabled_reason=reason, updated_at=now
    )
    if disabled:
        _endpoint_disable_notice(endpoint, reason)


def delivery_attempt(*, delivery_id: int, last_attempt: bool) -> None:
    """Make one attempt of a pending delivery; DeliveryFailed when it failed (after the last attempt the
    delivery is `failed`). A delivery already finished, gone (its endpoint deleted) or whose endpoint is
    disabled is not sent (a disabled endpoint's pending deliveries end `failed`, to be replayed)."""
    delivery = (
        WebhookDelivery.objects.select_related("event", "endpoint__shop__owner")
        .filter(id=delivery_id, state=DeliveryState.PENDING)
        .first()
    )
    if delivery is None:
        return
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(id=delivery.id, state=DeliveryState.PENDING).update(
            state=DeliveryState.FAILED, finished_at=timezone.now()
        )
        return
    attempted_at = timezone.now()
    headers = signed_headers(
        message_id=delivery.event_id,
        body=delivery.event.body,
        signing_secrets=signing_secrets(endpoint),
        at=attempted_at,
    )
    result = client.post(url=endpoint.url, body=delivery.event.body.encode(), headers=headers)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=attempted_at,
            succeeded=result.succeeded,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            response_snippet=result.response_snippet,
            error=result.error,
        )
        finished = result.succeeded or last_attempt
        WebhookDelivery.objects.filter(id=delivery.id).update(
            attempts=F("attempts") + 1,
            state=DeliveryState.SUCCEEDED
            if result.succeeded
            else (DeliveryState.FAILED if last_attempt else DeliveryState.PENDING),
            finished_at=timezone.now() if finished else None,
        )
        if result.succeeded:
            WebhookEndpoint.objects.filter(id=endpoint.id, failing_since__isnull=False).update(failing_since=None)
        else:
            _failure_record(endpoint, result)
    if not result.succeeded:
        raise DeliveryFailed(f"{endpoint.url}: {result.status_code or result.error}")
