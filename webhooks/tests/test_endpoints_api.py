"""The owner's webhook API: endpoints (the secret shown once), rotation, ping, the delivery log, replays, the
low-stock threshold; another user's shop or endpoint is a 404, and a refused request writes nothing."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from events.bus import EventType, emit
from jobs.tests.running import queued_task_names, run_queued_jobs
from shops.tests.factories import ProductFactory
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services.endpoints import endpoint_create
from webhooks.tests.endpoints import deliveries_url, delivery_url, endpoint_url, endpoints_url
from webhooks.tests.receiver import Answer

pytestmark = pytest.mark.django_db


def _endpoint_json(endpoint: WebhookEndpoint, **changes: Any) -> dict[str, Any]:
    endpoint.refresh_from_db()
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "is_active": endpoint.is_active,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": None,
        "previous_secret_expires_at": None,
        "created_at": endpoint.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": endpoint.updated_at.isoformat().replace("+00:00", "Z"),
    } | changes


def test_register_answers_the_secret_once_and_lists_without_it(owner_client, shop, receiver) -> None:
    response = owner_client.post(
        endpoints_url(shop.id),
        {"url": receiver.url, "event_types": ["order.created", "product.updated"], "description": "ERP"},
        format="json",
    )

    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert response.json() == _endpoint_json(endpoint, secret=endpoint.secret)
    assert endpoint.secret.startswith("whsec_")
    assert Webhook(endpoint.secret)  # a valid Standard Webhooks secret
    assert (endpoint.event_types, endpoint.description) == (["order.created", "product.updated"], "ERP")
    listed = owner_client.get(endpoints_url(shop.id))
    assert (listed.status_code, listed.json()) == (200, [_endpoint_json(endpoint)])
    assert owner_client.get(endpoint_url(shop.id, endpoint.id)).json() == _endpoint_json(endpoint)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"url": "https://10.0.0.8/x", "event_types": ["order.created"]},
            {"url": ["The host 10.0.0.8 resolves to 10.0.0.8, a non-public address."]},
        ),
        ({"url": "http://example.com/x", "event_types": ["order.created"]}, None),
        ({"url": "https://93.184.215.14/x", "event_types": ["order.shipped"]}, None),
        (
            {"url": "https://93.184.215.14/x", "event_types": []},
            {"event_types": ["Subscribe to at least one event type."]},
        ),
        ({"url": "https://93.184.215.14/" + "a" * 2000, "event_types": ["order.created"]}, None),
        ({"event_types": ["order.created"]}, {"url": ["This field is required."]}),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(owner_client, shop, settings, body, errors) -> None:
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    response = owner_client.post(endpoints_url(shop.id), body, format="json")
    assert response.status_code == 400
    if errors is not None:
        assert response.json() == errors
    else:
        assert list(response.json()) in (["url"], ["event_types"])
    assert WebhookEndpoint.objects.count() == 0


def test_a_shop_has_at_most_the_configured_number_of_endpoints(owner_client, shop, receiver, settings) -> None:
    settings.WEBHOOKS_MAX_ENDPOINTS_PER_SHOP = 2
    body = {"url": receiver.url, "event_types": ["order.created"]}
    assert [owner_client.post(endpoints_url(shop.id), body, format="json").status_code for _ in range(3)] == [
        201,
        201,
        400,
    ]
    assert WebhookEndpoint.objects.count() == 2


def test_another_users_shop_and_endpoint_are_404_and_anonymous_is_401(
    owner_client, other_client, api_client, shop, receiver
) -> None:
    endpoint = endpoint_create(shop=shop, url=receiver.url, event_types=["order.created"]).endpoint
    urls = [
        ("get", endpoints_url(shop.id)),
        ("post", endpoints_url(shop.id)),
        ("get", endpoint_url(shop.id, endpoint.id)),
        ("patch", endpoint_url(shop.id, endpoint.id)),
        ("delete", endpoint_url(shop.id, endpoint.id)),
        ("post", endpoint_url(shop.id, endpoint.id, "rotate-secret")),
        ("post", endpoint_url(shop.id, endpoint.id, "ping")),
        ("post", endpoint_url(shop.id, endpoint.id, "replay")),
        ("get", deliveries_url(shop.id, endpoint.id)),
        ("get", f"/api/v1/shops/{shop.id}/webhooks/settings/"),
        ("put", f"/api/v1/shops/{shop.id}/webhooks/settings/"),
    ]
    body = {"url": receiver.url, "event_types": ["order.created"], "since": "2020-01-01T00:00:00Z"}
    assert [getattr(other_client, method)(url, body, format="json").status_code for method, url in urls] == [404] * 11
    assert [getattr(api_client, method)(url, body, format="json").status_code for method, url in urls] == [401] * 11
    secret = endpoint.secret
    endpoint.refresh_from_db()
    assert (WebhookEndpoint.objects.count(), endpoint.secret, WebhookEvent.objects.count()) == (1, secret, 0)


def test_update_changes_the_subscription_and_delete_removes_it(owner_client, shop, receiver) -> None:
    endpoint = endpoint_create(shop=shop, url=receiver.url, event_types=["order.created"]).endpoint
    response = owner_client.patch(
        endpoint_url(shop.id, endpoint.id), {"event_types": ["product.deleted"], "is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == _endpoint_json(
        endpoint, event_types=["product.deleted"], is_active=False, disabled_reason="Disabled by the owner."
    )
    assert owner_client.delete(endpoint_url(shop.id, endpoint.id)).status_code == 204
    assert WebhookEndpoint.objects.count() == 0


def test_rotation_answers_a_new_secret_and_keeps_the_old_one_signing_for_a_while(owner_client, shop, receiver) -> None:
    created = endpoint_create(shop=shop, url=receiver.url, event_types=["order.created"])
    response = owner_client.post(
        endpoint_url(shop.id, created.endpoint.id, "rotate-secret"), {"previous_valid_hours": 2}, format="json"
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert response.json()["secret"] == endpoint.secret != created.secret
    assert endpoint.previous_secret == created.secret
    expires = endpoint.previous_secret_expires_at
    assert expires is not None
    assert abs(expires - (timezone.now() + timedelta(hours=2))) < timedelta(seconds=5)
    refused = owner_client.post(
        endpoint_url(shop.id, endpoint.id, "rotate-secret"), {"previous_valid_hours": 1000}, format="json"
    )
    assert (refused.status_code, refused.json()) == (400, {"previous_valid_hours": ["Between 0 and 168."]})


def test_ping_is_delivered_and_logged_with_its_attempt(owner_client, shop, receiver) -> None:
    created = endpoint_create(shop=shop, url=receiver.url, event_types=["order.created"])
    response = owner_client.post(endpoint_url(shop.id, created.endpoint.id, "ping"))
    assert response.status_code == 202
    assert (response.json()["event_type"], response.json()["state"], response.json()["attempt_log"]) == (
        "webhook.ping",
        "pending",
        [],
    )
    run_queued_jobs()
    [request] = receiver.received()
    payload = Webhook(created.secret).verify(request.body, request.headers)
    assert (payload["type"], payload["data"]) == (
        "webhook.ping",
        {"endpoint_id": created.endpoint.id, "url": receiver.url},
    )

    log = owner_client.get(deliveries_url(shop.id, created.endpoint.id)).json()
    [delivery] = log
    [attempt] = delivery["attempt_log"]
    assert (delivery["state"], delivery["attempts"], attempt["status_code"], attempt["succeeded"]) == (
        "succeeded",
        1,
        200,
        True,
    )
    assert set(attempt) == {"attempted_at", "succeeded", "status_code", "latency_ms", "response_snippet", "error"}
    detail = owner_client.get(delivery_url(shop.id, created.endpoint.id, delivery["id"])).json()
    assert detail["payload"] == payload


def test_replay_of_one_delivery_and_of_everything_since_a_time(owner_client, shop, make_receiver) -> None:
    answers = iter([Answer(status=500)] * 1 + [Answer()] * 10)
    receiver = make_receiver(answer=lambda request: next(answers))
    endpoint = endpoint_create(shop=shop, url=receiver.url, event_types=["product.updated"]).endpoint
    products = [ProductFactory(shop=shop) for _ in range(3)]
    for product in products:
        emit(shop_id=shop.id, type=EventType.PRODUCT_UPDATED, object_id=product.id)
    from webhooks.services.delivery import DeliveryFailed, delivery_attempt

    first, *others = WebhookDelivery.objects.order_by("id")
    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery_id=first.id, last_attempt=True)  # failed for good
    for delivery in others:
        delivery_attempt(delivery_id=delivery.id, last_attempt=False)

    replayed = owner_client.post(delivery_url(shop.id, endpoint.id, first.id, "replay"))
    assert replayed.status_code == 202
    assert (replayed.json()["event_id"], replayed.json()["replay_of"]) == (first.event_id, first.id)
    since = WebhookEvent.objects.order_by("created_at")[1].created_at.isoformat()
    only_failed = owner_client.post(
        endpoint_url(shop.id, endpoint.id, "replay"),
        {"since": "2020-01-01T00:00:00Z", "only_failed": True},
        format="json",
    )
    assert (only_failed.status_code, only_failed.json()) == (202, {"queued": 1})
    everything_since = owner_client.post(endpoint_url(shop.id, endpoint.id, "replay"), {"since": since}, format="json")
    assert everything_since.json() == {"queued": 2}

    run_queued_jobs()
    ids = [request.headers["webhook-id"] for request in receiver.received()]
    events = list(WebhookEvent.objects.order_by("created_at").values_list("id", flat=True))
    # First the three sends, then the replays with the same webhook-id (receivers de-duplicate on it).
    assert ids == [events[0], events[1], events[2], events[0], events[0], events[1], events[2]]
    assert WebhookDelivery.objects.filter(state=DeliveryState.SUCCEEDED).count() == 6
    assert WebhookAttempt.objects.count() == 7


def test_low_stock_threshold_reads_and_writes(owner_client, shop) -> None:
    url = f"/api/v1/shops/{shop.id}/webhooks/settings/"
    assert owner_client.get(url).json() == {"low_stock_threshold": 5}
    assert owner_client.put(url, {"low_stock_threshold": 12}, format="json").json() == {"low_stock_threshold": 12}
    assert owner_client.get(url).json() == {"low_stock_threshold": 12}
    refused = owner_client.put(url, {"low_stock_threshold": -1}, format="json")
    assert refused.status_code == 400
    assert owner_client.get(url).json() == {"low_stock_threshold": 12}
    assert queued_task_names() == []
