"""Deletes what uploads left behind: objects of uploads that crashed or were never completed, objects whose
deletion failed (storage down), and expired direct-upload reservations. Run it from cron, e.g. hourly."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from images.storage import purge_pending
from shops.services.direct_uploads import direct_uploads_purge_expired


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=settings.STALE_UPLOAD_MINUTES,
            help="Only what is older than this (default STALE_UPLOAD_MINUTES): uploads in flight are left alone.",
        )

    def handle(self, *args: Any, older_than_minutes: int, **options: Any) -> None:
        deleted, failing = purge_pending(older_than=timedelta(minutes=older_than_minutes))
        expired = direct_uploads_purge_expired()
        self.stdout.write(f"Deleted {deleted} stale objects ({failing} still failing); {expired} expired uploads.")
