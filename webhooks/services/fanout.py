"""Events into deliveries, in the emitting service's transaction: the event's JSON is built now (the object as the
owner's API shows it, at this moment), stored once, and a delivery job is deferred per subscribed endpoint. A shop
without endpoints for the event pays one query."""

import functools
import json
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Sum
from django.utils import timezone

from api.compiled import CompiledQuery
from events.bus import EventType, ShopEvent
from orders.models import OrderItem
from orders.selectors import order_get
from orders.serializers import OrderDetailSerializer
from shops.models import Product, Shop, StockStatus
from shops.selectors import product_get_for_owner
from shops.serializers import ProductSerializer
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookSettings

PING = "webhook.ping"
DEFAULT_LOW_STOCK_THRESHOLD = WebhookSettings._meta.get_field("low_stock_threshold").get_default()


def message_id_new() -> str:
    return f"msg_{secrets.token_hex(16)}"


def _body(*, message_id: str, type: str, shop: Shop, data: Any, extra: dict[str, Any]) -> str:
    payload = {
        "id": message_id,
        "type": type,
        "timestamp": timezone.now().isoformat().replace("+00:00", "Z"),
        "shop": {"id": shop.id, "slug": shop.slug, "name": shop.name},
        "data": data,
        **extra,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def deliveries_defer(deliveries: Iterable[WebhookDelivery]) -> None:
    """One job per delivery, locked per endpoint: an endpoint's deliveries go one at a time, in order, so a slow
    or dead endpoint holds one worker slot at most and never the other shops' deliveries."""
    from webhooks.tasks import webhook_deliver

    for delivery in deliveries:
        webhook_deliver.configure(lock=f"webhooks.endpoint:{delivery.endpoint_id}").defer(delivery_id=delivery.id)


def event_send(
    *,
    shop: Shop,
    type: str,
    data: Any,
    endpoints: list[WebhookEndpoint],
    extra: dict[str, Any] | None = None,
) -> WebhookEvent:
    now = timezone.now()
    message_id = message_id_new()
    event = WebhookEvent.objects.create(
        id=message_id,
        shop=shop,
        type=type,
        body=_body(message_id=message_id, type=type, shop=shop, data=data, extra=extra or {}),
        created_at=now,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint=endpoint) for endpoint in endpoints
    )
    deliveries_defer(deliveries)
    return event


def _object_data(shop: Shop, event: ShopEvent) -> Any:
    if event.type in (EventType.ORDER_CREATED, EventType.ORDER_STATUS_CHANGED):
        return OrderDetailSerializer(order_get(order_id=event.object_id)).data
    return ProductSerializer(product_get_for_owner(shop=shop, product_id=event.object_id)).data


def _low_stock_send(*, shop: Shop, order_id: int, endpoints: list[WebhookEndpoint]) -> None:
    """inventory.low_stock for each tracked product that this order's checkout took from above the shop's
    threshold to at or below it (exact: the stock rows are still locked by the checkout's transaction)."""
    taken = dict(
        OrderItem.objects.filter(order_id=order_id, stock_taken=True, product__isnull=False)
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    threshold = WebhookSettings.objects.filter(shop=shop).values_list("low_stock_threshold", flat=True).first()
    threshold = DEFAULT_LOW_STOCK_THRESHOLD if threshold is None else threshold
    products = Product.objects.filter(id__in=taken, stock_status=StockStatus.LIMITED).order_by("id")
    for product_id, after in products.values_list("id", "stock_quantity"):
        before = after + taken[product_id]
        if before > threshold >= after:
            data = ProductSerializer(product_get_for_owner(shop=shop, product_id=product_id)).data
            extra = {"threshold": threshold, "previous": {"stock_quantity": before}}
            event_send(shop=shop, type=EventType.INVENTORY_LOW_STOCK, data=data, endpoints=endpoints, extra=extra)


@functools.lru_cache(maxsize=4)
def _endpoints_listening(*, count: int) -> CompiledQuery[WebhookEndpoint]:
    """The shop's active endpoints listening to any of `count` event types. Every order and product write asks
    (mostly of shops with no endpoint): compiled once per process and count (api.compiled; the ORM puts each
    type in the query as a parameter of its own). The stand-ins: no id is negative, no event type holds a NUL."""
    return CompiledQuery(
        lambda shop_id, **wanted: (
            WebhookEndpoint.objects.filter(shop_id=shop_id, is_active=True, event_types__overlap=list(wanted.values()))
            .select_related("shop")
            .order_by("id")
        ),
        shop_id=-1,
        **{f"type{index}": f"\x00event-type-{index}" for index in range(count)},
    )


def event_fan_out(event: ShopEvent) -> None:
    """The events.bus listener."""
    wanted = [event.type]
    if event.type == EventType.ORDER_CREATED:
        wanted.append(EventType.INVENTORY_LOW_STOCK)
    endpoints = _endpoints_listening(count=len(wanted)).run(
        shop_id=event.shop_id, **{f"type{index}": str(type_) for index, type_ in enumerate(wanted)}
    )
    if not endpoints:
        return
    shop = endpoints[0].shop
    subscribed = [endpoint for endpoint in endpoints if event.type in endpoint.event_types]
    if subscribed:
        extra = {"previous": event.previous} if event.previous else {}
        event_send(shop=shop, type=event.type, data=_object_data(shop, event), endpoints=subscribed, extra=extra)
    low_stock = [endpoint for endpoint in endpoints if EventType.INVENTORY_LOW_STOCK in endpoint.event_types]
    if event.type == EventType.ORDER_CREATED and low_stock:
        _low_stock_send(shop=shop, order_id=event.object_id, endpoints=low_stock)
