"""The mails of account recovery and verification: what each says (our own templates, text and HTML, no
user-written template is ever evaluated) and where it goes. Each is queued through `mail.services.mail_queue`
in the caller's transaction: a write that rolls back sends nothing."""

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from accounts import links
from accounts.models import User
from mail.models import OutboundMail
from mail.services import mail_queue

DEFAULT_SITE_NAME = "Shop builder"


def site_name() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or DEFAULT_SITE_NAME


def lifetime_text(seconds: int) -> str:
    """3600 → "1 hour", 259200 → "3 days", 90 → "90 seconds": the largest unit that divides it."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable: every integer is a whole number of seconds")


def _queue(
    *, kind: str, user: User, to: str, subject: str, context: dict[str, Any], reference: str = ""
) -> OutboundMail:
    values = {"user": user, "site_name": site_name(), "subject": subject, **context}
    return mail_queue(
        kind=kind,
        to=to,
        subject=subject,
        text_body=render_to_string(f"accounts/mail/{kind}.txt", values).strip() + "\n",
        html_body=render_to_string(f"accounts/mail/{kind}.html", values),
        reference=reference or f"user:{user.pk}",
    )


def password_reset_mail(*, user: User, reference: str) -> OutboundMail:
    """The reset link, to the address stored on the account (never the spelling that was typed)."""
    return _queue(
        kind="password_reset",
        user=user,
        to=user.email,
        subject=f"Reset your {site_name()} password",
        context={"url": links.password_reset_url(user), "lifetime": lifetime_text(settings.PASSWORD_RESET_TIMEOUT)},
        reference=reference,
    )


def password_changed_mail(*, user: User, by_reset: bool) -> OutboundMail:
    return _queue(
        kind="password_changed",
        user=user,
        to=user.email,
        subject=f"Your {site_name()} password was changed",
        context={"by_reset": by_reset},
    )


def email_verify_mail(*, user: User, email: str, change: bool) -> OutboundMail:
    """The confirmation link, to the address it confirms: the account's own, or the one it is to move to."""
    return _queue(
        kind="email_verify",
        user=user,
        to=email,
        subject=f"Confirm your email address for {site_name()}",
        context={
            "url": links.email_verify_url(user=user, email=email),
            "lifetime": lifetime_text(settings.EMAIL_VERIFICATION_TIMEOUT),
            "change": change,
        },
    )


def email_change_requested_mail(*, user: User, new_email: str) -> OutboundMail:
    """To the current address: someone asked to move the account (it may not be its owner)."""
    return _queue(
        kind="email_change_requested",
        user=user,
        to=user.email,
        subject=f"Your {site_name()} account is asked to move to another address",
        context={"new_email": new_email},
    )


def email_changed_mail(*, user: User, old_email: str) -> OutboundMail:
    """To the previous address, once the move is confirmed."""
    return _queue(
        kind="email_changed",
        user=user,
        to=old_email,
        subject=f"The email address of your {site_name()} account was changed",
        context={"new_email": user.email, "old_email": old_email},
    )
