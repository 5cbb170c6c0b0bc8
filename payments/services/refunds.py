"""Refunds from the owner (API or admin): full or partial, idempotent on the owner's key, each one kept; the
seller chooses which lines' stock comes back."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from orders.models import OrderItem, OrderStatus
from payments.models import Payment, PaymentStatus, Provider, Refund
from payments.money import AmountNotChargeable, to_stripe_amount
from payments.services import state
from payments.services.refund_send import refund_send
from shops.stock import StockLine, stock_return

REFUNDABLE = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


def _restock(*, refund: Refund, item_ids: list[int]) -> None:
    """Return the chosen lines' stock (each line once: only lines still holding stock)."""
    lines = list(
        OrderItem.objects.select_for_update().filter(
            order_id=refund.payment.order_id, id__in=item_ids, stock_taken=True
        )
    )
    if lines:
        stock_return(
            lines=[
                StockLine(product_id=line.product_id, item_id=line.inventory_item_id, quantity=line.quantity)
                for line in lines
            ]
        )
        OrderItem.objects.filter(id__in=[line.id for line in lines]).update(stock_taken=False)
    refund.restocked_items.set(lines)


@transaction.atomic
def _refund_record(
    *, payment_id: int, amount: Decimal, idempotency_key: str, restock_item_ids: list[int], reason: str
) -> tuple[Refund, bool]:
    payment = state.payment_lock(payment_id=payment_id)
    earlier = Refund.objects.filter(payment=payment, idempotency_key=idempotency_key).first()
    if earlier is not None:
        return earlier, False
    if payment.provider != Provider.STRIPE:
        raise ValidationError({"detail": ["Manual payments are refunded by the seller directly."]})
    if payment.status not in REFUNDABLE:
        raise ValidationError({"amount": [f"A {payment.status} payment cannot be refunded."]})
    try:
        minor = to_stripe_amount(amount, payment.currency)
    except AmountNotChargeable as error:
        raise ValidationError({"amount": [str(error)]}) from None
    already = Refund.objects.filter(payment=payment).aggregate(total=Sum("amount"))["total"] or 0
    if not 0 < minor <= payment.amount - already:
        raise ValidationError({"amount": [f"At most {payment.amount - already} (minor units) is left to refund."]})
    order_items = set(OrderItem.objects.filter(order_id=payment.order_id).values_list("id", flat=True))
    if not set(restock_item_ids) <= order_items:
        raise ValidationError({"restock_item_ids": ["Lines of this order only."]})
    refund = Refund(payment=payment, amount=minor, idempotency_key=idempotency_key, reason=reason)
    refund.full_clean(exclude=["payment"])
    refund.save()
    _restock(refund=refund, item_ids=restock_item_ids)
    if already + minor == payment.amount and payment.order.status in (OrderStatus.PAID, OrderStatus.FULFILLED):
        # A full refund: the lines the seller did not choose keep their stock out (goods not coming back).
        OrderItem.objects.filter(order_id=payment.order_id).update(stock_taken=False)
    return refund, True


def refund_create(
    *, payment: Payment, amount: Decimal, idempotency_key: str, restock_item_ids: list[int], reason: str = ""
) -> Refund:
    """Refund `amount` (units of the order's currency) of the payment. The same key returns the same refund
    (nothing sent twice; Stripe gets a key derived from our refund's id). Once Stripe accepts it, the payment's
    refunded total moves forward (and a full refund moves the order to refunded)."""
    refund, _ = _refund_record(
        payment_id=payment.id,
        amount=amount,
        idempotency_key=idempotency_key,
        restock_item_ids=restock_item_ids,
        reason=reason,
    )
    refund = refund_send(refund_id=refund.id)
    if refund.stripe_refund_id:
        sent = Refund.objects.filter(payment_id=payment.id).exclude(stripe_refund_id="")
        total = sent.aggregate(total=Sum("amount"))["total"] or 0
        state.payment_record_refunded(payment_id=payment.id, refunded_total=total)
    return refund
