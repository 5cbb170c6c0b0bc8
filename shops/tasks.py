"""Periodic upload housekeeping, run by the job queue's workers (what `manage.py purge_stale_uploads` does)."""

from datetime import timedelta

from django.conf import settings
from procrastinate.contrib.django import app

from images.storage import purge_pending
from jobs.retry import HOUSEKEEPING_RETRY
from shops.services.direct_uploads import direct_uploads_purge_expired


@app.periodic(cron="*/15 * * * *", periodic_id="quarter-hourly")
@app.task(
    name="shops.purge_stale_uploads",
    queue="housekeeping",
    queueing_lock="shops.purge_stale_uploads",
    retry=HOUSEKEEPING_RETRY,
)
def purge_stale_uploads(timestamp: int) -> None:
    purge_pending(older_than=timedelta(minutes=settings.STALE_UPLOAD_MINUTES))
    direct_uploads_purge_expired()
