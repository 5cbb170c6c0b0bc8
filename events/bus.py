"""What happened in a shop, said once by the service that did it and heard by every listener, synchronously and in
the service's own transaction: a listener writes rows and defers jobs there (a rolled-back write leaves no trace,
a committed one cannot lose its event); it never waits on the network. Listeners register when their app is
ready (webhooks.apps)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    ORDER_CREATED = "order.created"
    ORDER_STATUS_CHANGED = "order.status_changed"
    PRODUCT_CREATED = "product.created"
    PRODUCT_UPDATED = "product.updated"
    PRODUCT_DELETED = "product.deleted"
    # Not said by a service: webhooks derive it from order.created (a checkout took a product's stock from above
    # the shop's threshold to at or below it).
    INVENTORY_LOW_STOCK = "inventory.low_stock"


@dataclass(frozen=True, kw_only=True)
class ShopEvent:
    """`object_id` names the order or product; the listener reads it (still there: a deletion is said before
    the row goes). `previous` holds what changed from (`{"status": "pending"}`)."""

    shop_id: int
    type: EventType
    object_id: int
    previous: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[ShopEvent], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Register a listener (once: registering it again does nothing)."""
    if listener not in _listeners:
        _listeners.append(listener)


def emit(*, shop_id: int, type: EventType, object_id: int, previous: dict[str, Any] | None = None) -> None:
    """Tell every listener, now, in the caller's transaction."""
    event = ShopEvent(shop_id=shop_id, type=type, object_id=object_id, previous=previous or {})
    for listener in _listeners:
        listener(event)
