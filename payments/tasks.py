"""Payment jobs (procrastinate autodiscovers `tasks` modules): each Stripe event applied in a job of its own,
unpaid card orders expired every minute, pending payments reconciled with Stripe every five, refunds sent."""

from procrastinate.contrib.django import app

from jobs.retry import DELIVERY_RETRY, HOUSEKEEPING_RETRY
from payments.services.events import WAITING, event_apply
from payments.services.expiry import payments_expire, payments_reconcile
from payments.services.refund_send import refund_send

QUEUE = "payments"


class EventWaiting(Exception):
    """The event's payment is not visible yet (its checkout has not committed): the job is retried."""


@app.task(name="payments.apply_event", queue=QUEUE, retry=DELIVERY_RETRY)
def apply_event(*, event_id: int) -> None:
    if event_apply(event_id=event_id) == WAITING:
        raise EventWaiting(f"Stripe event {event_id}: no payment for its intent yet")


@app.task(name="payments.send_refund", queue=QUEUE, retry=DELIVERY_RETRY)
def send_refund(*, refund_id: int) -> None:
    refund_send(refund_id=refund_id)


@app.periodic(cron="* * * * *", periodic_id="every-minute")
@app.task(name="payments.expire", queue=QUEUE, queueing_lock="payments.expire", retry=HOUSEKEEPING_RETRY)
def expire(timestamp: int) -> None:
    payments_expire()


@app.periodic(cron="*/5 * * * *", periodic_id="every-five-minutes")
@app.task(name="payments.reconcile", queue=QUEUE, queueing_lock="payments.reconcile", retry=HOUSEKEEPING_RETRY)
def reconcile(timestamp: int) -> None:
    payments_reconcile()
