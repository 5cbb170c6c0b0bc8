"""Webhook jobs: each delivery attempt (queue `webhooks`, its own workers with concurrency, see README), and the
daily removal of the log older than 30 days (webhooks.services.log)."""

from procrastinate.contrib.django import app
from procrastinate.job_context import JobContext

from jobs.retry import DELIVERY_RETRY, HOUSEKEEPING_RETRY
from webhooks.services.delivery import delivery_attempt
from webhooks.services.log import webhook_log_remove_old


@app.task(name="webhooks.deliver", queue="webhooks", retry=DELIVERY_RETRY, pass_context=True)
def webhook_deliver(context: JobContext, *, delivery_id: int) -> None:
    delivery_attempt(delivery_id=delivery_id, last_attempt=context.job.attempts + 1 >= DELIVERY_RETRY.max_attempts)


@app.periodic(cron="41 3 * * *", periodic_id="daily")
@app.task(
    name="webhooks.remove_old", queue="housekeeping", queueing_lock="webhooks.remove_old", retry=HOUSEKEEPING_RETRY
)
def webhooks_remove_old(timestamp: int) -> None:
    webhook_log_remove_old()
