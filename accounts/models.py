"""Users: unique username and email (case-insensitive, enforced by the database), whether the email is
confirmed and the address waiting to replace it, and a plan."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Upper


class UsernameValidator(UnicodeUsernameValidator):
    # No "@": login takes a username or an email in one field, and an "@" always means an email.
    regex = r"^[\w.+-]+\Z"
    message = "Enter a valid username: letters, digits and . + - _ only (no @ or spaces)."


def validate_username_has_no_at_sign(value: str) -> None:
    # Kept for the first migration, which names it.
    if "@" in value:
        raise ValidationError("A username cannot contain '@'.", code="invalid")


class Plan(models.TextChoices):
    FREE = "free", "Free"
    PRO = "pro", "Pro"
    ENTERPRISE = "enterprise", "Enterprise"


class User(AbstractUser):
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="150 characters or fewer: letters, digits and . + - _ (no @).",
        validators=[UsernameValidator()],
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField("email address", max_length=254)
    # Set when a link mailed to `email` was followed (verification or password reset); None: not confirmed.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # A new address asked for through PATCH auth/me/: it replaces `email` only once confirmed from its inbox.
    pending_email = models.EmailField(max_length=254, blank=True, default="")
    account_type = models.CharField(max_length=20, choices=Plan.choices, default=Plan.FREE)
    # A stored object name, set only by the profile image upload (never a client's URL).
    profile_image = models.FileField(max_length=255, blank=True, default="")

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["id"]
        # What the login lookup compares (`user_login_lookup`: Django's iexact, UPPER() on both sides): without
        # these, every login, throttle lookup and password reset read the whole table.
        indexes = [
            models.Index(Upper("username"), name="accounts_user_username_upper"),
            models.Index(Upper("email"), name="accounts_user_email_upper"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with that email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username
