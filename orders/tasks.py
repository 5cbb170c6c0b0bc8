"""Periodic cart housekeeping, run by the job queue's workers (what `manage.py abandon_stale_carts` does)."""

from datetime import timedelta

from django.conf import settings
from procrastinate.contrib.django import app

from jobs.retry import HOUSEKEEPING_RETRY
from orders.services.carts import carts_abandon_stale


@app.periodic(cron="41 2 * * *", periodic_id="daily")
@app.task(
    name="orders.abandon_stale_carts",
    queue="housekeeping",
    queueing_lock="orders.abandon_stale_carts",
    retry=HOUSEKEEPING_RETRY,
)
def abandon_stale_carts(timestamp: int) -> None:
    carts_abandon_stale(idle_for=timedelta(days=settings.CART_ABANDON_DAYS))
