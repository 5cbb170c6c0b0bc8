"""Account writes: registration, profile changes, passwords, the tokens that log a user in, and account
recovery and verification (password reset, email confirmation), with the mails they send."""

import functools
from datetime import datetime
from typing import IO

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from knox.models import AuthToken, get_digest_token
from knox.settings import CONSTANTS, knox_settings

from accounts import links, mails
from accounts.models import User
from accounts.selectors import user_login_lookup
from accounts.throttles import login_attempt_succeeded, login_attempt_succeeded_statement
from api.uniqueness import TakenCheck, raise_if_taken, save_or_raise_taken
from images.uploads import image_field_replace, store_uploaded_image
from mail.models import OutboundMail

PROFILE_IMAGE_FOLDER = "profile_images"

INVALID_CREDENTIALS = "Invalid credentials."
INVALID_RESET_LINK = "The password reset link is invalid or has expired."
INVALID_EMAIL_LINK = "The confirmation link is invalid or has expired."
ALREADY_CONFIRMED = "The email address is already confirmed."


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
    mails.email_verify_mail(user=user, email=user.email, change=False)
    return user


_TOKEN_FIELDS = ("digest", "token_key", "user", "created", "expiry")


# The login's give-back of throttle slots waits for the user's row: every login of an account locks that row
# before its counters, so two of them cannot deadlock (a throttle's take locks counters only).
_GIVE_BACK_AFTER_STAMP = "AND EXISTS (SELECT FROM stamped)"


@functools.cache
def _login_writes_sql(give_back: str | None) -> str:
    """One statement for what a login writes: the user's last_login (as Django's `update_last_login`, without
    a model save), the throttle slots it gives back (`give_back`, when the counters are in this database) and
    the new token's row (as knox's `AuthToken.objects.create`). Names from the models."""
    quote = connection.ops.quote_name
    users, tokens = User._meta, AuthToken._meta
    # (django-stubs type `column` as optional: a concrete field always has one.)
    user_id = quote(users.pk.column)  # type: ignore[arg-type]
    last_login = quote(users.get_field("last_login").column)  # type: ignore[arg-type]
    user_table = quote(users.db_table)
    token_table = quote(tokens.db_table)
    token_columns = ", ".join(quote(tokens.get_field(name).column) for name in _TOKEN_FIELDS)
    stamp = f"UPDATE {user_table} SET {last_login} = %s WHERE {user_id} = %s RETURNING 1"  # noqa: S608 - names
    issue = f"INSERT INTO {token_table} ({token_columns}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608 - as above
    given_back = f", given_back AS ({give_back})" if give_back is not None else ""
    return f"WITH stamped AS ({stamp}){given_back} {issue}"


def user_login(*, request: HttpRequest, identifier: str, password: str) -> tuple[User, str, datetime | None]:
    """Log in the active user whose username or email is `identifier`: (user, token, expiry). Every failure
    gives the same error. The user's last_login and a new token (as `auth_token_issue` makes it) are written
    in one statement, the token's hash only; the token itself is returned once and never again. The attempt's
    throttle slots (`login_attempt_take`) go back with them, in that statement when the counters are in
    PostgreSQL."""
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        raise ValidationError(INVALID_CREDENTIALS, code="invalid_credentials")
    now = timezone.now()
    digest, token = get_digest_token()
    expiry = None if knox_settings.TOKEN_TTL is None else now + knox_settings.TOKEN_TTL
    give_back = login_attempt_succeeded_statement(request=request, after=_GIVE_BACK_AFTER_STAMP)
    give_back_sql, give_back_params = give_back if give_back is not None else (None, [])
    with connection.cursor() as cursor:
        cursor.execute(
            _login_writes_sql(give_back_sql),
            [now, user.pk, *give_back_params, digest, token[: CONSTANTS.TOKEN_KEY_LENGTH], user.pk, now, expiry],
        )
    if give_back is None:
        login_attempt_succeeded(request=request)
    user.last_login = now
    return user, token, expiry


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
    """Change profile fields; only the names in PROFILE_FIELDS are taken, the rest of `data` is ignored.
    A new email address is not set: it waits in `pending_email` until a link mailed to it is followed
    (`user_email_confirm`), and the current address is told. The same address in another case is set at once
    (addresses are unique and compared case-insensitively), and the current address withdraws a pending one."""
    changes: dict[str, str] = {field: value for field, value in data.items() if field in PROFILE_FIELDS}
    new_email = None
    if "email" in changes:
        email = User.objects.normalize_email(changes["email"])
        if email.lower() == user.email.lower():
            changes |= {"email": email, "pending_email": ""}
        else:
            new_email = changes["pending_email"] = email
            del changes["email"]
    _raise_if_taken(username=changes.get("username"), email=new_email, exclude_id=user.id)
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"], validate_constraints=False)
    if changes:
        _save_unique(user, update_fields=list(changes))
    if new_email is not None:
        mails.email_verify_mail(user=user, email=new_email, change=True)
        mails.email_change_requested_mail(user=user, new_email=new_email)
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
    mails.password_changed_mail(user=user, by_reset=False)
    return auth_tokens_revoke_all(user=user, keep=current_token)


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Queue the job that mails a reset link if an active account uses `email` (`password_reset_mail_send`).
    The request does the same work whether or not one does (one job row; the lookup happens in the job), so
    neither its answer nor the time it takes tells whether the address has an account."""
    from accounts.tasks import password_reset_mail  # the tasks module imports this one

    password_reset_mail.defer(email=email)


@transaction.atomic
def password_reset_mail_send(*, email: str, reference: str) -> bool:
    """Mail a reset link to the account a login with `email` reaches (the same lookup, the same single
    account), at the address stored on it, if it is active. `reference` names the job: run twice, it mails
    once. True when a mail was queued."""
    if OutboundMail.objects.filter(reference=reference).exists():
        return False
    user = user_login_lookup(identifier=email).order_by("id").first()
    if user is None or not user.is_active:
        return False
    mails.password_reset_mail(user=user, reference=reference)
    return True


@transaction.atomic
def user_password_reset(*, uid: str, token: str, new_password: str) -> int:
    """Set the password of the user a valid reset link names, log out every session (all tokens; Django
    sessions end by themselves, their hash of the password no longer matching) and withdraw any pending email
    change; the address the link reached counts as confirmed. The row is locked, so a link works once even
    when followed twice at the same moment. Returns how many tokens were revoked."""
    user_id = links.uid_decode(uid)
    user = User.objects.select_for_update().filter(id=user_id, is_active=True).first() if user_id else None
    if user is None or not links.password_reset_tokens.check_token(user, token):
        raise ValidationError({"token": INVALID_RESET_LINK})
    _validate_password(password=new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.email_verified_at = user.email_verified_at or timezone.now()
    user.pending_email = ""
    user.save(update_fields=["password", "email_verified_at", "pending_email"])
    mails.password_changed_mail(user=user, by_reset=True)
    return auth_tokens_revoke_all(user=user)


@transaction.atomic
def user_email_confirm(*, token: str) -> User:
    """Follow a confirmation link: the pending address it names becomes the account's (the previous address
    is told), or the account's own address it names is marked confirmed. A link works once, and only for the
    address pending now (asking for another address voids the links of the previous one)."""
    read = links.email_verify_token_read(token)
    user = User.objects.select_for_update().filter(id=read[0], is_active=True).first() if read else None
    if read is None or user is None:
        raise ValidationError({"token": INVALID_EMAIL_LINK})
    email = read[1]
    if user.pending_email and email == user.pending_email:
        old_email = user.email
        _raise_if_taken(username=None, email=email, exclude_id=user.id)
        user.email, user.pending_email, user.email_verified_at = email, "", timezone.now()
        _save_unique(user, update_fields=["email", "pending_email", "email_verified_at"])
        mails.email_changed_mail(user=user, old_email=old_email)
    elif email == user.email and user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    else:
        raise ValidationError({"token": INVALID_EMAIL_LINK})
    return user


@transaction.atomic
def email_verify_resend(*, user: User) -> str:
    """Mail the confirmation link again: for the pending address if there is one, else for the account's own
    address if it is not confirmed. Returns the address mailed."""
    if user.pending_email:
        mails.email_verify_mail(user=user, email=user.pending_email, change=True)
        return user.pending_email
    if user.email_verified_at is None:
        mails.email_verify_mail(user=user, email=user.email, change=False)
        return user.email
    raise ValidationError(ALREADY_CONFIRMED, code="already_confirmed")


def user_profile_image_set(*, user: User, file: IO[bytes], field: str = "file") -> User:
    """Validate and store the image under `{root}/profile_images/`, then point the user at it; the previous
    image is deleted once that commits. Either the row and the object are both written or neither is (a
    storage failure is a 503 with nothing saved). Call it outside a transaction."""
    stored = store_uploaded_image(file=file, folder=PROFILE_IMAGE_FOLDER, field=field, with_renditions=False)
    locked = image_field_replace(rows=User.objects.all(), pk=user.id, field="profile_image", stored=stored)
    user.profile_image = locked.profile_image
    return user
