"""Marks carts nobody touched for CART_ABANDON_DAYS as abandoned (their lines go) and deletes abandoned carts
twice that old. Run it from cron, e.g. daily."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from orders.services.carts import carts_abandon_stale


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days", type=int, default=settings.CART_ABANDON_DAYS, help="Idle days (default CART_ABANDON_DAYS)."
        )

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        abandoned, deleted = carts_abandon_stale(idle_for=timedelta(days=days))
        self.stdout.write(f"Abandoned {abandoned} carts idle for {days} days; deleted {deleted} abandoned carts.")
