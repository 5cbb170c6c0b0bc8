"""Account writes: registration, profile changes, passwords, and the tokens that log a user in."""

from datetime import datetime
from typing import IO

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import update_last_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from knox.models import AuthToken

from accounts.models import User
from api.uniqueness import TakenCheck, raise_if_taken, save_or_raise_taken
from images.uploads import image_field_replace, store_uploaded_image

PROFILE_IMAGE_FOLDER = "profile_images"

INVALID_CREDENTIALS = "Invalid credentials."


def _taken_checks(*, username: str | None, email: str | None, exclude_id: int | None = None) -> list[TakenCheck]:
    others = User.objects.exclude(id=exclude_id) if exclude_id else User.objects.all()
    checks: list[TakenCheck] = []
    if username is not None:
        name_taken = others.filter(username__iexact=username).exists
        checks.append(("username", "A user with that username already exists.", name_taken))
    if email is not None:
        email_taken = others.filter(email__iexact=email).exists
        checks.append(("email", "A user with that email already exists.", email_taken))
    return checks


def _raise_if_taken(*, username: str | None, email: str | None, exclude_id: int | None = None) -> None:
    raise_if_taken(_taken_checks(username=username, email=email, exclude_id=exclude_id))


def _validate_password(*, password: str, user: User, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from error


def _save_unique(user: User, *, update_fields: list[str] | None = None) -> None:
    """Save, turning a lost race on the case-insensitive unique constraints into a 400, not a 500."""
    checks = _taken_checks(username=user.username, email=user.email, exclude_id=user.id)
    save_or_raise_taken(user, checks, update_fields=update_fields, conflict="That username or email is already taken.")


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> User:
    email = User.objects.normalize_email(email)
    _raise_if_taken(username=username, email=email)
    user = User(username=username, email=email)
    _validate_password(password=password, user=user)
    user.set_password(password)
    user.full_clean(exclude=["password"], validate_constraints=False)
    _save_unique(user)
    return user


def user_authenticate(*, request: HttpRequest, identifier: str, password: str) -> User:
    """The active user whose username or email is `identifier`. Every failure gives the same error."""
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        raise ValidationError(INVALID_CREDENTIALS, code="invalid_credentials")
    update_last_login(type(user), user)
    return user


def auth_token_issue(*, user: User) -> tuple[str, datetime | None]:
    """A new token for one login (one per device). Only its hash is stored; the token itself is returned
    once and never again."""
    instance, token = AuthToken.objects.create(user=user)
    return token, instance.expiry


def auth_token_revoke(*, token: AuthToken) -> None:
    token.delete()


def auth_tokens_revoke_all(*, user: User, keep: AuthToken | None = None) -> int:
    tokens = AuthToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(digest=keep.digest)
    deleted, _ = tokens.delete()
    return deleted


PROFILE_FIELDS = ("username", "email", "first_name", "last_name")


@transaction.atomic
def user_update(*, user: User, data: dict[str, str]) -> User:
    """Change profile fields; only the names in PROFILE_FIELDS are taken, the rest of `data` is ignored."""
    changes = {field: value for field, value in data.items() if field in PROFILE_FIELDS}
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"])
    _raise_if_taken(username=changes.get("username"), email=changes.get("email"), exclude_id=user.id)
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"], validate_constraints=False)
    if changes:
        _save_unique(user, update_fields=list(changes))
    return user


@transaction.atomic
def user_change_password(
    *, user: User, current_password: str, new_password: str, current_token: AuthToken | None
) -> int:
    """Set a new password and log out every other session. Returns how many tokens were revoked."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": "The current password is not correct."})
    _validate_password(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return auth_tokens_revoke_all(user=user, keep=current_token)


def user_profile_image_set(*, user: User, file: IO[bytes], field: str = "file") -> User:
    """Validate and store the image under `{root}/profile_images/`, then point the user at it; the previous
    image is deleted once that commits. Either the row and the object are both written or neither is (a
    storage failure is a 503 with nothing saved). Call it outside a transaction."""
    stored = store_uploaded_image(file=file, folder=PROFILE_IMAGE_FOLDER, field=field, with_renditions=False)
    locked = image_field_replace(rows=User.objects.all(), pk=user.id, field="profile_image", stored=stored)
    user.profile_image = locked.profile_image
    return user
