"""Order status changes: only along the allowed transitions; cancelling or refunding gives the stock back; the
buyer hears of the changes that matter to them."""

from django.core.exceptions import ValidationError
from django.db import transaction

from events.bus import EventType, emit
from orders.mails import order_status_mail_queue
from orders.models import Order, OrderItem, OrderStatus
from shops.stock import StockLine, stock_return

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.FULFILLED, OrderStatus.REFUNDED, OrderStatus.CANCELLED}),
    OrderStatus.FULFILLED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}
# Entering one of these gives back the stock the order took.
STOCK_RETURNING = frozenset({OrderStatus.CANCELLED, OrderStatus.REFUNDED})


def order_status_transition_check(*, current: str, new: str) -> None:
    if new != current and new not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current])) or "none"
        raise ValidationError(
            {"status": [f"An order cannot go from {current} to {new} (allowed from {current}: {allowed})."]}
        )


def _stock_return(*, order: Order) -> None:
    """Give back what the order's lines took, to the inventory item or product if it still exists; each
    line once (its `stock_taken` flag is cleared)."""
    lines = list(OrderItem.objects.filter(order=order, stock_taken=True))
    if not lines:
        return
    stock_return(
        lines=[
            StockLine(product_id=line.product_id, item_id=line.inventory_item_id, quantity=line.quantity)
            for line in lines
        ]
    )
    OrderItem.objects.filter(id__in=[line.id for line in lines]).update(stock_taken=False)


@transaction.atomic
def order_status_change(*, order: Order, status: str) -> Order:
    """Move the order to `status` (the same status is a no-op). Allowed: pending -> paid | cancelled,
    paid -> fulfilled | refunded | cancelled, fulfilled -> refunded; cancelled and refunded are final. The buyer
    is mailed when orders.mails.BUYER_STATUS_MAILS lists the new status, in this transaction."""
    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(id=order.id)
    if status == order.status:
        return order
    order_status_transition_check(current=order.status, new=status)
    if status in STOCK_RETURNING:
        _stock_return(order=order)
    previous, order.status = order.status, status
    order.save(update_fields=["status", "updated_at"])
    order_status_mail_queue(order=order)
    emit(shop_id=order.shop_id, type=EventType.ORDER_STATUS_CHANGED, object_id=order.id, previous={"status": previous})
    return order
