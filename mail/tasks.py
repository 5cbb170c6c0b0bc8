"""Mail delivery jobs (procrastinate autodiscovers `tasks` modules)."""

from procrastinate.contrib.django import app
from procrastinate.job_context import JobContext

from jobs.retry import DELIVERY_RETRY
from mail.services import mail_send


@app.task(name="mail.deliver", queue="mail", retry=DELIVERY_RETRY, pass_context=True)
def mail_deliver(context: JobContext, *, mail_id: int) -> None:
    mail_send(mail_id=mail_id, last_attempt=context.job.attempts + 1 >= DELIVERY_RETRY.max_attempts)
