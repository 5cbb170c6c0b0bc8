"""Queueing and delivering mail. Queueing writes the row and its delivery job in the caller's transaction: a
rolled-back write sends nothing, a committed one cannot lose its mail."""

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from procrastinate.types import JSONDict

from api.compiled import CompiledInsert
from mail.models import MailState, OutboundMail

LAST_ERROR_MAX_CHARS = 2000
# The messages' rows, as bulk_create inserts them, its SQL compiled once (api.compiled).
_MAILS_INSERT = CompiledInsert(OutboundMail)


def sender_address(*, display_name: str = "") -> str:
    """DEFAULT_FROM_EMAIL's address, under `display_name` when given (a shop's name): never another address,
    so a shop cannot send as a domain the platform does not own."""
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = " ".join(display_name.split())[:78] or default_name
    return formataddr((name, address)) if name else address


@dataclass(frozen=True, kw_only=True)
class MailDraft:
    """A message to queue (`mails_queue`): `sender_name` is shown before the platform's own address."""

    kind: str
    to: str
    subject: str
    text_body: str
    html_body: str = ""
    reply_to: str = ""
    sender_name: str = ""
    reference: str = ""


def mail_queue(
    *,
    kind: str,
    to: str,
    subject: str,
    text_body: str,
    html_body: str = "",
    reply_to: str = "",
    sender_name: str = "",
    reference: str = "",
) -> OutboundMail:
    draft = MailDraft(
        kind=kind,
        to=to,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        reply_to=reply_to,
        sender_name=sender_name,
        reference=reference,
    )
    return mails_queue([draft])[0]


def mails_queue(drafts: Sequence[MailDraft]) -> list[OutboundMail]:
    """Queue several messages at once, in the caller's transaction: their rows in one INSERT and their delivery
    jobs in one call (a checkout queues two mails: two round trips instead of four)."""
    from mail.tasks import mail_deliver

    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    mails = [
        OutboundMail(
            kind=draft.kind,
            reference=draft.reference,
            to=draft.to,
            from_email=sender_address(display_name=draft.sender_name),
            reply_to=draft.reply_to,
            subject=" ".join(draft.subject.split())[:255],
            text_body=draft.text_body,
            html_body=draft.html_body,
            message_id=make_msgid(domain=domain or None),
        )
        for draft in drafts
    ]
    for mail in mails:
        # The Message-ID was just drawn (make_msgid: time, random, pid): not looked up, the unique index stands.
        mail.full_clean(validate_unique=False)
    # The rows and their jobs together; no savepoint of its own: inside the caller's transaction a failed insert
    # fails the caller anyway, and a savepoint pair was two more round trips.
    with transaction.atomic(savepoint=False):
        _MAILS_INSERT.insert(mails)
        jobs: list[JSONDict] = [{"mail_id": mail.id} for mail in mails]
        mail_deliver.batch_defer(*jobs)
    return mails


def _message(mail: OutboundMail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text_body,
        from_email=mail.from_email,
        to=[mail.to],
        reply_to=[mail.reply_to] if mail.reply_to else None,
        headers={"Message-ID": mail.message_id},
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    return message


def mail_send(*, mail_id: int, last_attempt: bool) -> bool:
    """Send one queued message through the configured backend; True if it went (or had gone) out. The row is
    locked while it is sent, so two workers never send it at once; a failure is recorded on the row and raised
    again (the job is retried), and after the last attempt the message is `failed`."""
    with transaction.atomic():
        mail = OutboundMail.objects.select_for_update().filter(id=mail_id).first()
        if mail is None or mail.state == MailState.SENT:
            return mail is not None
        mail.attempts += 1
        try:
            _message(mail).send(fail_silently=False)
        except Exception as error:  # noqa: BLE001 - any failure of the backend is recorded, then raised again
            mail.last_error = f"{type(error).__name__}: {error}"[:LAST_ERROR_MAX_CHARS]
            mail.state = MailState.FAILED if last_attempt else MailState.QUEUED
            mail.save(update_fields=["attempts", "last_error", "state"])
            failure = error
        else:
            mail.state = MailState.SENT
            mail.sent_at = timezone.now()
            mail.save(update_fields=["attempts", "state", "sent_at"])
            return True
    raise failure


@transaction.atomic
def mail_requeue(*, mail: OutboundMail) -> None:
    """Queue a failed message again (the admin's action)."""
    from mail.tasks import mail_deliver

    updated = OutboundMail.objects.filter(id=mail.id, state=MailState.FAILED).update(state=MailState.QUEUED)
    if updated:
        mail_deliver.defer(mail_id=mail.id)
