"""The queue's own housekeeping, scheduled by the workers themselves (procrastinate periodic tasks; no cron)."""

from datetime import timedelta

from asgiref.sync import sync_to_async
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.job_context import JobContext

from jobs.models import JobFailure
from jobs.retry import HOUSEKEEPING_RETRY

# A worker that sent no heartbeat for this long is gone (killed, machine lost): its running jobs go back to
# the queue. Workers beat every 10 s (procrastinate's default), so this allows two missed beats and a slow one.
STALLED_AFTER_SECONDS = 30
# Finished jobs are kept this long (the admin's history); failed ones stay until someone deals with them.
FINISHED_JOBS_KEPT_HOURS = 7 * 24
FAILURES_KEPT = timedelta(days=30)


@app.periodic(cron="* * * * *", periodic_id="every-minute")
@app.task(name="jobs.retry_stalled", queue="housekeeping", queueing_lock="jobs.retry_stalled", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """The jobs of a worker that died while running them run again on another (at-least-once)."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
        await manager.retry_job(job)


def _job_failures_delete_old() -> int:
    deleted, _ = JobFailure.objects.filter(failed_at__lt=timezone.now() - FAILURES_KEPT).delete()
    return deleted


@app.periodic(cron="17 3 * * *", periodic_id="daily")
@app.task(
    name="jobs.remove_old",
    queue="housekeeping",
    queueing_lock="jobs.remove_old",
    retry=HOUSEKEEPING_RETRY,
    pass_context=True,
)
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    await context.app.job_manager.delete_old_jobs(nb_hours=FINISHED_JOBS_KEPT_HOURS, include_cancelled=True)
    await sync_to_async(_job_failures_delete_old, thread_sensitive=True)()
