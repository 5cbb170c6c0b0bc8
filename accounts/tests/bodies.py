"""The response bodies the accounts API is expected to give, built from database rows."""

from datetime import datetime
from typing import Any

from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework import serializers

from accounts.models import User

ME_URL = "/api/v1/auth/me/"
REGISTER_URL = "/api/v1/auth/register/"
LOGIN_URL = "/api/v1/auth/login/"
LOGOUT_URL = "/api/v1/auth/logout/"
LOGOUT_ALL_URL = "/api/v1/auth/logout-all/"
PASSWORD_CHANGE_URL = "/api/v1/auth/password/change/"
CSRF_URL = "/api/v1/auth/csrf/"
PASSWORD_RESET_URL = "/api/v1/auth/password/reset/"
PASSWORD_RESET_CONFIRM_URL = "/api/v1/auth/password/reset/confirm/"
EMAIL_VERIFY_URL = "/api/v1/auth/email/verify/"
EMAIL_VERIFY_RESEND_URL = "/api/v1/auth/email/verify/resend/"

INVALID_CREDENTIALS = {"detail": "Invalid credentials."}
INVALID_TOKEN = {"detail": "Invalid or expired token."}
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}


def datetime_text(value: datetime | None) -> str | None:
    """A datetime as the API writes it (ISO 8601, `Z` for UTC)."""
    return serializers.DateTimeField().to_representation(value) if value is not None else None


def user_body(user: User) -> dict[str, Any]:
    user.refresh_from_db()
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "profile_image_url": None,
        "account_type": user.account_type,
        "date_joined": datetime_text(user.date_joined),
        "email_verified": user.email_verified_at is not None,
        "pending_email": user.pending_email or None,
    }


def stored_token(token: str) -> AuthToken:
    """The row for a token handed out by the API (knox stores only its digest)."""
    return AuthToken.objects.get(digest=hash_token(token))


def session_body(user: User, token: str) -> dict[str, Any]:
    return {"user": user_body(user), "token": token, "expiry": datetime_text(stored_token(token).expiry)}


def auth_header(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Token {token}"}
