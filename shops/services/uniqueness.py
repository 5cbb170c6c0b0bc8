"""Turning "already taken" into a 400 naming the field, before the write and when a concurrent write wins."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from shops.slugs import first_free_slug

ModelT = TypeVar("ModelT", bound=models.Model)
SLUG_ATTEMPTS = 5

# A check: (field, message, "is it taken?") evaluated against the database.
TakenCheck = tuple[str, str, Callable[[], bool]]


def raise_if_taken(checks: list[TakenCheck]) -> None:
    errors = {field: message for field, message, is_taken in checks if is_taken()}
    if errors:
        raise ValidationError(errors)


def save_unique(instance: models.Model, checks: list[TakenCheck], *, update_fields: list[str] | None = None) -> None:
    """Check, then save in a savepoint; a unique violation from a concurrent writer becomes the same 400."""
    raise_if_taken(checks)
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as error:
        raise_if_taken(checks)
        raise ValidationError("This conflicts with another record; try again.") from error


def save_with_generated_slug(
    instance: ModelT,
    *,
    base: str,
    taken_in: Callable[[], models.QuerySet],
    max_length: int,
    checks: list[TakenCheck] | None = None,
) -> ModelT:
    """Save `instance` with the first free slug made from `base`. When a concurrent insert takes the same
    slug first, the unique constraint refuses ours and the next free slug is tried: never a 500."""
    checks = checks or []
    raise_if_taken(checks)
    for _ in range(SLUG_ATTEMPTS):
        instance.slug = first_free_slug(base, taken_in=taken_in(), max_length=max_length)
        try:
            with transaction.atomic():
                instance.save()
            return instance
        except IntegrityError as error:
            if taken_in().filter(slug=instance.slug).exists():
                continue
            raise_if_taken(checks)
            raise ValidationError("This conflicts with another record; try again.") from error
    raise ValidationError({"slug": "Could not find a free slug; give one explicitly."})
