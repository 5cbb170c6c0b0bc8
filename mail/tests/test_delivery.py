"""Mail is queued with the write that causes it and delivered by a job to a real SMTP server (aiosmtpd)."""

import pytest
from django.db import connection, transaction
from django.test import Client

from accounts.tests.factories import UserFactory
from jobs.tests.running import queued_task_names, run_queued_jobs, run_worker_until_idle
from mail.models import MailState, OutboundMail
from mail.services import mail_queue
from mail.tests.inbox import inbox, smtp_server


@pytest.fixture(autouse=True)
def _empty_inbox() -> None:
    inbox().clear()


def _queue_greeting(**overrides: str) -> OutboundMail:
    fields = {
        "kind": "greeting",
        "to": "buyer@example.com",
        "subject": "Hello\r\nBcc: victim@example.com",
        "text_body": "Plain words",
        "html_body": "<p>Rich words</p>",
        "reply_to": "shop@example.com",
        "sender_name": "Ann's Shop",
        "reference": "test:1",
    } | overrides
    return mail_queue(**fields)


@pytest.mark.django_db
def test_a_queued_message_is_delivered_by_its_job_with_both_parts_the_shop_name_and_reply_to() -> None:
    mail = _queue_greeting()
    assert queued_task_names() == ["mail.deliver"]
    assert inbox().messages() == []  # nothing leaves inside the request

    assert run_queued_jobs() == ["mail.deliver"]

    [received] = inbox().messages()
    assert received.envelope_to == ["buyer@example.com"]
    assert received.envelope_from == "no-reply@localhost"
    assert str(received.message["From"]) == "Ann's Shop <no-reply@localhost>"
    assert str(received.message["Reply-To"]) == "shop@example.com"
    assert received.subject == "Hello Bcc: victim@example.com"  # a header line break cannot add a header
    assert received.message["Bcc"] is None
    assert received.message_id == mail.message_id
    assert received.part("text/plain").strip() == "Plain words"
    assert received.part("text/html").strip() == "<p>Rich words</p>"
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.last_error) == (MailState.SENT, 1, "")
    assert mail.sent_at is not None


@pytest.mark.django_db
def test_a_message_already_sent_is_not_sent_again_when_its_job_runs_twice() -> None:
    mail = _queue_greeting()
    run_queued_jobs()
    from mail.tasks import mail_deliver

    mail_deliver.defer(mail_id=mail.id)
    run_queued_jobs()
    assert len(inbox().messages()) == 1


@pytest.mark.django_db
def test_a_rolled_back_write_queues_no_mail_and_no_job() -> None:
    def order_that_fails() -> None:
        with transaction.atomic():
            _queue_greeting()
            raise RuntimeError("the order failed")

    with pytest.raises(RuntimeError):
        order_that_fails()
    assert OutboundMail.objects.count() == 0
    assert queued_task_names() == []
    run_queued_jobs()
    assert inbox().messages() == []


@pytest.mark.django_db
def test_an_invalid_recipient_is_refused_before_anything_is_queued() -> None:
    with pytest.raises(Exception, match="to"):
        _queue_greeting(to="not an address")
    assert OutboundMail.objects.count() == 0
    assert queued_task_names() == []


@pytest.mark.django_db(transaction=True)
def test_smtp_down_fails_the_attempt_records_why_and_a_later_attempt_delivers() -> None:
    from jobs.models import JobFailure

    server = smtp_server()
    server.stop()
    try:
        mail = _queue_greeting()
        run_worker_until_idle()
    finally:
        server.start()
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.QUEUED, 1)
    assert "Connection refused" in mail.last_error or "ConnectionRefused" in mail.last_error
    [failure] = JobFailure.objects.all()
    assert (failure.task_name, failure.attempt) == ("mail.deliver", 1)
    assert "ConnectionRefusedError" in failure.error

    # The retry is scheduled 2 s later (jobs.retry.DELIVERY_RETRY); run it now.
    from procrastinate.contrib.django.models import ProcrastinateJob

    assert ProcrastinateJob.objects.get(task_name="mail.deliver").status == "todo"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE task_name = 'mail.deliver'")
    run_worker_until_idle()
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (MailState.SENT, 2)
    assert [m.message_id for m in inbox().messages()] == [mail.message_id]


@pytest.mark.django_db
def test_the_admin_lists_every_message_with_its_state_and_queues_a_failed_one_again() -> None:
    mail = _queue_greeting()
    # Its retries used up: failed, no job left.
    OutboundMail.objects.filter(id=mail.id).update(state=MailState.FAILED, last_error="SMTPDataError: 554")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/mail/outboundmail/")
    assert page.status_code == 200
    assert "buyer@example.com" in page.content.decode()

    client.post("/admin/mail/outboundmail/", {"action": "requeue", "_selected_action": [mail.id]})
    assert queued_task_names() == ["mail.deliver"]
    run_queued_jobs()
    mail.refresh_from_db()
    assert mail.state == MailState.SENT
    assert [m.message_id for m in inbox().messages()] == [mail.message_id]
