"""The links mailed to users: password reset (Django's PasswordResetTokenGenerator) and email confirmation
(a signed, timestamped value), and the frontend URLs they land on."""

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User

# Django's generator hashes the user's password hash, last login, email and the time it was made with the
# SECRET_KEY (fallbacks verify during a rotation): setting a password or logging in voids every link made
# before, and a link older than PASSWORD_RESET_TIMEOUT fails.
password_reset_tokens = PasswordResetTokenGenerator()

EMAIL_VERIFY_SALT = "accounts.email-verify"


def uid_encode(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def uid_decode(uid: str) -> int | None:
    """The user id in a reset link's `uid`, or None when it is not one."""
    try:
        text = urlsafe_base64_decode(uid).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def password_reset_url(user: User) -> str:
    path = settings.FRONTEND_PASSWORD_RESET_PATH.format(
        uid=uid_encode(user), token=password_reset_tokens.make_token(user)
    )
    return settings.FRONTEND_URL + path


def email_verify_token(*, user: User, email: str) -> str:
    """A token that confirms `email` for `user`; it says nothing the mail does not (an id and the address)."""
    return signing.dumps({"user": user.pk, "email": email}, salt=EMAIL_VERIFY_SALT, compress=True)


def email_verify_token_read(token: str) -> tuple[int, str] | None:
    """(user id, email) of a token made within EMAIL_VERIFICATION_TIMEOUT, else None."""
    try:
        value: Any = signing.loads(token, salt=EMAIL_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(value, dict) or not isinstance(value.get("user"), int) or not isinstance(value.get("email"), str):
        return None
    return value["user"], value["email"]


def email_verify_url(*, user: User, email: str) -> str:
    return settings.FRONTEND_URL + settings.FRONTEND_EMAIL_VERIFY_PATH.format(
        token=email_verify_token(user=user, email=email)
    )
