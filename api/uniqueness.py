"""Turning "already taken" into a 400 naming the field, before the write and when a concurrent write wins.
Shared by every app's services (accounts' names and emails, the catalogue's names, slugs and SKUs)."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

# A check: (field, message, "is it taken?") evaluated against the database.
TakenCheck = tuple[str, str, Callable[[], bool]]
CONFLICT = "This conflicts with another record; try again."


def raise_if_taken(checks: list[TakenCheck]) -> None:
    errors = {field: message for field, message, is_taken in checks if is_taken()}
    if errors:
        raise ValidationError(errors)


def save_or_raise_taken(
    instance: models.Model,
    checks: list[TakenCheck],
    *,
    update_fields: list[str] | None = None,
    conflict: str = CONFLICT,
) -> None:
    """Save in a savepoint; a unique violation (a concurrent writer won) becomes the 400 of the checks that
    now fail, else `conflict` (`{"detail": conflict}`)."""
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as error:
        raise_if_taken(checks)
        raise ValidationError(conflict) from error


def save_unique(instance: models.Model, checks: list[TakenCheck], *, update_fields: list[str] | None = None) -> None:
    """Check, then save in a savepoint; a unique violation from a concurrent writer becomes the same 400."""
    raise_if_taken(checks)
    save_or_raise_taken(instance, checks, update_fields=update_fields)
