"""At-least-once with the real worker: a receiver answering 500 for a while, then 200, gets every event, and the log
holds every attempt; an endpoint failing for days is disabled and its owner mailed; the log is kept 30 days."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from events.bus import EventType, emit
from jobs.tests.running import queued_task_names, run_queued_jobs, run_worker_until_idle
from mail.models import OutboundMail
from shops.tests.factories import ProductFactory, ShopFactory
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services.delivery import DeliveryFailed, delivery_attempt
from webhooks.services.endpoints import endpoint_create
from webhooks.services.log import webhook_log_remove_old
from webhooks.tests.receiver import Answer, Receiver

EVENTS = 5
FAILING_REQUESTS = 4


def _nudge_retries() -> None:
    """The retries' backoff (2 s, 4 s, ...; jobs.retry.DELIVERY_RETRY) made due now: the schedule, not the rule,
    is what this short version shortens (`make test-long` waits for real)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")


@pytest.mark.django_db(transaction=True)
def test_a_receiver_failing_then_recovering_gets_every_event_and_every_attempt_is_logged(make_receiver) -> None:
    answered: list[int] = []

    def answer(request: object) -> Answer:
        answered.append(500 if len(answered) < FAILING_REQUESTS else 200)
        return Answer(status=answered[-1], body=b"down" if answered[-1] == 500 else b"ok")

    receiver: Receiver = make_receiver(answer=answer)
    shop = ShopFactory()
    endpoint_create(shop=shop, url=receiver.url, event_types=["product.updated"])
    for _ in range(EVENTS):
        emit(shop_id=shop.id, type=EventType.PRODUCT_UPDATED, object_id=ProductFactory(shop=shop).id)

    rounds = 0
    while WebhookDelivery.objects.filter(state=DeliveryState.PENDING).exists():
        rounds += 1
        assert rounds <= 20, "deliveries still pending after 20 rounds"
        run_worker_until_idle(queues=["webhooks"])
        _nudge_retries()

    events = list(WebhookEvent.objects.order_by("created_at").values_list("id", flat=True))
    delivered = [request.headers["webhook-id"] for request in receiver.received()]
    # The first event is retried until the receiver recovers; the others wait behind it (one endpoint's
    # deliveries go in order) and are each delivered once.
    assert delivered == [events[0]] * (FAILING_REQUESTS + 1) + events[1:]
    assert answered == [500] * FAILING_REQUESTS + [200] * EVENTS
    assert list(WebhookDelivery.objects.order_by("id").values_list("state", "attempts")) == [
        (DeliveryState.SUCCEEDED, FAILING_REQUESTS + 1),
        *[(DeliveryState.SUCCEEDED, 1)] * (EVENTS - 1),
    ]
    log = list(WebhookAttempt.objects.order_by("id").values_list("status_code", "succeeded", "response_snippet"))
    assert log == [(500, False, "down")] * FAILING_REQUESTS + [(200, True, "ok")] * EVENTS
    assert WebhookEndpoint.objects.get().failing_since is None


@pytest.mark.django_db
def test_an_endpoint_failing_for_days_is_disabled_its_owner_mailed_and_its_pending_deliveries_end(
    make_receiver, settings
) -> None:
    receiver = make_receiver(answer=lambda request: Answer(status=503))
    owner = UserFactory(email="owner@example.com")
    shop = ShopFactory(owner=owner, name="Corner Shop")
    endpoint = endpoint_create(shop=shop, url=receiver.url, event_types=["product.updated"]).endpoint
    for _ in range(2):
        emit(shop_id=shop.id, type=EventType.PRODUCT_UPDATED, object_id=ProductFactory(shop=shop).id)
    first, second = WebhookDelivery.objects.order_by("id")

    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery_id=first.id, last_attempt=False)
    endpoint.refresh_from_db()
    assert endpoint.is_active is True
    WebhookEndpoint.objects.filter(id=endpoint.id).update(
        failing_since=timezone.now() - timedelta(hours=settings.WEBHOOKS_DISABLE_AFTER_HOURS, minutes=1)
    )
    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery_id=first.id, last_attempt=False)

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (False, "last attempt: 503")
    [mail] = OutboundMail.objects.all()
    assert (mail.kind, mail.to, mail.subject) == (
        "webhook_endpoint_disabled",
        "owner@example.com",
        "Webhook endpoint disabled: Corner Shop",
    )
    assert receiver.url in mail.text_body
    delivery_attempt(delivery_id=second.id, last_attempt=False)  # not sent: the endpoint is disabled
    assert len(receiver.received()) == 2
    second.refresh_from_db()
    assert (second.state, second.attempts) == (DeliveryState.FAILED, 0)
    assert OutboundMail.objects.count() == 1  # disabled once, mailed once


@pytest.mark.django_db
def test_the_log_is_kept_30_days_successes_included_then_removed_by_the_daily_job(receiver) -> None:
    shop = ShopFactory()
    endpoint_create(shop=shop, url=receiver.url, event_types=["product.updated"])
    for _ in range(2):
        emit(shop_id=shop.id, type=EventType.PRODUCT_UPDATED, object_id=ProductFactory(shop=shop).id)
    run_queued_jobs()
    old, recent = WebhookDelivery.objects.order_by("id")
    WebhookDelivery.objects.filter(id=old.id).update(created_at=timezone.now() - timedelta(days=30, minutes=1))
    WebhookEvent.objects.filter(id=old.event_id).update(created_at=timezone.now() - timedelta(days=30, minutes=1))
    WebhookDelivery.objects.filter(id=recent.id).update(created_at=timezone.now() - timedelta(days=29))

    assert webhook_log_remove_old() == (1, 1)

    assert list(WebhookDelivery.objects.values_list("id", "state")) == [(recent.id, DeliveryState.SUCCEEDED)]
    assert WebhookAttempt.objects.filter(delivery=recent).count() == 1
    assert WebhookAttempt.objects.count() == 1
    assert list(WebhookEvent.objects.values_list("id", flat=True)) == [recent.event_id]


@pytest.mark.django_db
def test_the_admin_lists_endpoints_and_the_log_and_replays_a_delivery(receiver) -> None:
    shop = ShopFactory()
    endpoint_create(shop=shop, url=receiver.url, event_types=["product.updated"])
    emit(shop_id=shop.id, type=EventType.PRODUCT_UPDATED, object_id=ProductFactory(shop=shop).id)
    run_queued_jobs()
    delivery = WebhookDelivery.objects.get()
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert receiver.url in client.get("/admin/webhooks/webhookendpoint/").content.decode()
    page = client.get(f"/admin/webhooks/webhookdelivery/{delivery.id}/change/")
    assert page.status_code == 200
    assert "succeeded" in page.content.decode().lower()

    client.post("/admin/webhooks/webhookdelivery/", {"action": "replay", "_selected_action": [delivery.id]})
    assert queued_task_names() == ["webhooks.deliver"]
    run_queued_jobs()
    assert [request.headers["webhook-id"] for request in receiver.received()] == [delivery.event_id] * 2


@pytest.mark.django_db
def test_the_admin_registers_an_endpoint_through_the_same_checks(settings) -> None:
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    shop = ShopFactory()
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {"shop": shop.id, "url": "https://10.9.8.7/hook", "event_types": ["order.created"], "is_active": "on"}
    page = client.post("/admin/webhooks/webhookendpoint/add/", form)
    assert page.status_code == 200
    assert "non-public address" in page.content.decode()
    assert WebhookEndpoint.objects.count() == 0

    page = client.post(
        "/admin/webhooks/webhookendpoint/add/", form | {"url": "https://93.184.215.14/hook"}, follow=True
    )
    endpoint = WebhookEndpoint.objects.get()
    assert f"Signing secret (shown once): {endpoint.secret}" in page.content.decode()
