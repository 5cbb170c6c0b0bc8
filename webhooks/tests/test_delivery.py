"""Events become signed deliveries to a real HTTP receiver: the payload is the object as the owner's API shows it,
the signature verifies with the Standard Webhooks reference library, every attempt is logged."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from jobs.tests.running import queued_task_names, run_queued_jobs
from orders.models import Order, OrderStatus
from orders.selectors import order_get
from orders.serializers import OrderDetailSerializer
from orders.services.orders import order_status_change
from orders.tests.endpoints import CUSTOMER, add_url, checkout_url
from shops.selectors import product_get_for_owner
from shops.serializers import ProductSerializer
from shops.tests.factories import ProductFactory
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services.delivery import DeliveryFailed, delivery_attempt
from webhooks.services.endpoints import endpoint_create, endpoint_secret_rotate, webhook_settings_update
from webhooks.tests.receiver import Answer

pytestmark = pytest.mark.django_db


def _payload(request: Any) -> dict[str, Any]:
    return json.loads(request.body)


def test_a_product_created_through_the_api_reaches_the_receiver_signed_with_the_object_as_the_api_shows_it(
    owner_client, shop, receiver
) -> None:
    created = endpoint_create(shop=shop, url=receiver.url, event_types=["product.created"])

    response = owner_client.post(f"/api/v1/shops/{shop.id}/products/", {"name": "Mug", "price": "7.50"}, format="json")
    assert response.status_code == 201
    assert queued_task_names() == ["webhooks.deliver"]
    assert receiver.received() == []  # nothing leaves inside the request

    assert run_queued_jobs() == ["webhooks.deliver"]

    [request] = receiver.received()
    event = WebhookEvent.objects.get()
    verified = Webhook(created.secret).verify(request.body, request.headers)
    product = product_get_for_owner(shop=shop, product_id=response.json()["id"])
    sent_at = datetime.fromisoformat(verified.pop("timestamp"))
    assert abs(sent_at - event.created_at) < timedelta(seconds=1)
    assert verified == {
        "id": event.id,
        "type": "product.created",
        "shop": {"id": shop.id, "slug": "corner-shop", "name": "Corner Shop"},
        "data": json.loads(json.dumps(ProductSerializer(product).data)),
    }
    assert verified["data"] == response.json()  # the object as the owner's API answered it
    assert request.headers["webhook-id"] == event.id
    assert request.headers["content-type"] == "application/json"
    assert request.path == "/hooks"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SUCCEEDED, 1)
    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.succeeded, attempt.status_code, attempt.response_snippet, attempt.error) == (True, 200, "ok", "")


def test_a_tampered_body_an_old_timestamp_and_a_wrong_secret_fail_verification(shop, receiver) -> None:
    created = endpoint_create(shop=shop, url=receiver.url, event_types=["product.created"])
    ProductFactory(shop=shop)  # not through the service: no event
    product = ProductFactory(shop=shop, name="Lamp")
    from events.bus import EventType, emit

    emit(shop_id=shop.id, type=EventType.PRODUCT_CREATED, object_id=product.id)
    run_queued_jobs()
    [request] = receiver.received()
    webhook = Webhook(created.secret)
    webhook.verify(request.body, request.headers)

    tampered = request.body.replace(b'"Lamp"', b'"Lamb"')
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        webhook.verify(tampered, request.headers)
    # A replay of the same signed request ten minutes later is refused by its timestamp.
    old = str(int(request.headers["webhook-timestamp"]) - 600)
    resigned = webhook.sign(
        request.headers["webhook-id"], timezone.now() - timedelta(minutes=10), request.body.decode()
    )
    with pytest.raises(WebhookVerificationError, match="too old"):
        webhook.verify(request.body, {**request.headers, "webhook-timestamp": old, "webhook-signature": resigned})
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook("whsec_" + "A" * 44).verify(request.body, request.headers)


def test_after_a_rotation_both_secrets_verify_until_the_old_one_expires(shop, receiver) -> None:
    created = endpoint_create(shop=shop, url=receiver.url, event_types=["product.updated"])
    rotated = endpoint_secret_rotate(endpoint=created.endpoint)
    product = ProductFactory(shop=shop)
    from events.bus import EventType, emit

    emit(shop_id=shop.id, type=EventType.PRODUCT_UPDATED, object_id=product.id)
    run_queued_jobs()
    [request] = receiver.received()
    assert rotated.secret != created.secret
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(created.secret).verify(request.body, request.headers)
    Webhook(rotated.secret).verify(request.body, request.headers)

    endpoint = rotated.endpoint
    endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    endpoint.save(update_fields=["previous_secret_expires_at"])
    emit(shop_id=shop.id, type=EventType.PRODUCT_UPDATED, object_id=product.id)
    run_queued_jobs()
    later = receiver.received()[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    Webhook(rotated.secret).verify(later.body, later.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(created.secret).verify(later.body, later.headers)


def test_checkout_sends_order_created_and_low_stock_once_the_threshold_is_crossed(api_client, shop, receiver) -> None:
    endpoint_create(shop=shop, url=receiver.url, event_types=["order.created", "inventory.low_stock"])
    webhook_settings_update(shop=shop, low_stock_threshold=3)
    mug = ProductFactory(shop=shop, name="Mug", price=Decimal("7.50"), stock_status="limited", stock_quantity=5)

    def buy(quantity: int) -> dict[str, Any]:
        """The order as the checkout answers it, without the checkout's own `payment` next step (an order's JSON
        elsewhere, the webhook's included, has no such field)."""
        token = api_client.post(add_url(shop.slug), {"product_id": mug.id, "quantity": quantity}, format="json")
        answer = api_client.post(checkout_url(token.json()["token"]), CUSTOMER, format="json").json()
        assert answer.pop("payment")["provider"] == "manual"
        return answer

    first = buy(1)  # 5 -> 4: above the threshold
    second = buy(2)  # 4 -> 2: crosses it
    buy(1)  # 2 -> 1: already below, no second notice
    run_queued_jobs()

    payloads = [_payload(request) for request in receiver.received()]
    assert [payload["type"] for payload in payloads] == [
        "order.created",
        "order.created",
        "inventory.low_stock",
        "order.created",
    ]
    assert payloads[0]["data"] == first
    assert payloads[1]["data"] == second
    low = payloads[2]
    assert (low["threshold"], low["previous"], low["data"]["id"], low["data"]["stock_quantity"]) == (
        3,
        {"stock_quantity": 4},
        mug.id,
        2,
    )


def _order_placed(api_client: Any, shop: Any) -> Order:
    product = ProductFactory(shop=shop)
    token = api_client.post(add_url(shop.slug), {"product_id": product.id, "quantity": 1}, format="json")
    api_client.post(checkout_url(token.json()["token"]), CUSTOMER, format="json")
    return Order.objects.get()


def test_a_status_change_says_the_previous_status(api_client, shop, receiver) -> None:
    order = _order_placed(api_client, shop)
    endpoint_create(shop=shop, url=receiver.url, event_types=["order.status_changed"])
    order_status_change(order=order, status=OrderStatus.PAID)
    run_queued_jobs()
    [payload] = [_payload(request) for request in receiver.received()]
    assert payload["type"] == "order.status_changed"
    assert payload["previous"] == {"status": "pending"}
    assert payload["data"] == json.loads(json.dumps(OrderDetailSerializer(order_get(order_id=order.id)).data))
    assert payload["data"]["status"] == "paid"


def test_product_deleted_carries_the_product_as_it_was(owner_client, shop, receiver) -> None:
    endpoint_create(shop=shop, url=receiver.url, event_types=["product.deleted"])
    product = ProductFactory(shop=shop, name="Gone")
    shown = owner_client.get(f"/api/v1/shops/{shop.id}/products/{product.id}/").json()

    assert owner_client.delete(f"/api/v1/shops/{shop.id}/products/{product.id}/").status_code == 204
    run_queued_jobs()

    [payload] = [_payload(request) for request in receiver.received()]
    assert (payload["type"], payload["data"]) == ("product.deleted", shown)


def test_no_endpoint_no_event_and_a_rolled_back_write_sends_nothing(owner_client, shop, other_shop, receiver) -> None:
    endpoint_create(shop=other_shop, url=receiver.url, event_types=["product.created"])
    endpoint_create(shop=shop, url=receiver.url, event_types=["product.deleted"])  # not subscribed to creation
    owner_client.post(f"/api/v1/shops/{shop.id}/products/", {"name": "Mug", "price": "7.50"}, format="json")
    assert WebhookEvent.objects.count() == 0

    endpoint_create(shop=shop, url=receiver.url, event_types=["product.created"])
    from shops.services.products import product_create

    def create_then_fail() -> None:
        with transaction.atomic():
            product_create(shop=shop, data={"name": "Lamp", "price": Decimal("3")})
            assert WebhookEvent.objects.count() == 1
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert (WebhookEvent.objects.count(), WebhookDelivery.objects.count(), queued_task_names()) == (0, 0, [])


def test_a_failed_attempt_is_logged_and_raised_so_the_job_retries(shop, make_receiver) -> None:
    failing = make_receiver(answer=lambda request: Answer(status=500, body=b"x" * 100_000))
    endpoint_create(shop=shop, url=failing.url, event_types=["product.created"])
    product = ProductFactory(shop=shop)
    from events.bus import EventType, emit

    emit(shop_id=shop.id, type=EventType.PRODUCT_CREATED, object_id=product.id)
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery_id=delivery.id, last_attempt=False)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    [attempt] = WebhookAttempt.objects.all()
    # The body is read up to the cap, and that much is kept.
    assert (attempt.succeeded, attempt.status_code, attempt.response_snippet) == (False, 500, "x" * 1024)
    delivery.endpoint.refresh_from_db()
    assert delivery.endpoint.failing_since is not None

    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery_id=delivery.id, last_attempt=True)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, WebhookAttempt.objects.count()) == (DeliveryState.FAILED, 2, 2)


def test_a_redirect_is_not_followed(shop, make_receiver) -> None:
    target = make_receiver()
    redirecting = make_receiver(answer=lambda request: Answer(status=307, headers=(("location", target.url),)))
    endpoint_create(shop=shop, url=redirecting.url, event_types=["product.created"])
    product = ProductFactory(shop=shop)
    from events.bus import EventType, emit

    emit(shop_id=shop.id, type=EventType.PRODUCT_CREATED, object_id=product.id)
    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery_id=WebhookDelivery.objects.get().id, last_attempt=False)
    assert (len(redirecting.received()), target.received()) == (1, [])
    assert WebhookAttempt.objects.get().status_code == 307


def test_a_hanging_receiver_times_out(shop, make_receiver, settings) -> None:
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    hanging = make_receiver(answer=lambda request: Answer(hang_seconds=30))
    endpoint_create(shop=shop, url=hanging.url, event_types=["product.created"])
    product = ProductFactory(shop=shop)
    from events.bus import EventType, emit

    emit(shop_id=shop.id, type=EventType.PRODUCT_CREATED, object_id=product.id)
    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery_id=WebhookDelivery.objects.get().id, last_attempt=False)
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error.split(":")[0]) == (None, "ReadTimeoutError")


def test_without_endpoints_a_status_change_writes_no_event(api_client, shop) -> None:
    order = _order_placed(api_client, shop)
    order_status_change(order=order, status=OrderStatus.CANCELLED)
    assert (Order.objects.get().status, WebhookEvent.objects.count()) == ("cancelled", 0)
