"""Account jobs (procrastinate autodiscovers `tasks` modules)."""

from procrastinate.contrib.django import app
from procrastinate.job_context import JobContext

from accounts.services import password_reset_mail_send
from jobs.retry import DELIVERY_RETRY


@app.task(name="accounts.password_reset_mail", queue="mail", retry=DELIVERY_RETRY, pass_context=True)
def password_reset_mail(context: JobContext, *, email: str) -> None:
    # The job's id names the mail, so a job run twice (at-least-once) queues one mail.
    password_reset_mail_send(email=email, reference=f"password_reset:job:{context.job.id}")
