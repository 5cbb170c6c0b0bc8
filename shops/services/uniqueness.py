"""Saving a row under the first free slug made from a name (the "already taken" checks: `api.uniqueness`)."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from api.uniqueness import CONFLICT, TakenCheck, raise_if_taken, save_unique
from shops.models import Category, Product, Shop
from shops.slugs import first_free_slug, normalize_given_slug

# The models saved under a slug (each has a `slug` field).
ModelT = TypeVar("ModelT", Shop, Category, Product)
SLUG_ATTEMPTS = 5


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
            raise ValidationError(CONFLICT) from error
    raise ValidationError({"slug": "Could not find a free slug; give one explicitly."})


def save_new_with_slug(
    instance: ModelT,
    *,
    given: str,
    base: str,
    taken_in: Callable[[], models.QuerySet],
    max_length: int,
    checks: list[TakenCheck],
    generated_checks: list[TakenCheck] | None = None,
) -> ModelT:
    """Clean and save a new row under the slug the client gave (normalised; taken is a 400 by `checks`) or,
    none given, under the first free slug made from `base` (then only `generated_checks`: the slug is made,
    not chosen, so it cannot be taken)."""
    if given:
        instance.slug = normalize_given_slug(given, max_length=max_length)
        instance.full_clean(validate_unique=False, validate_constraints=False)
        save_unique(instance, checks)
        return instance
    instance.slug = "placeholder"
    instance.full_clean(exclude=["slug"], validate_unique=False, validate_constraints=False)
    return save_with_generated_slug(
        instance, base=base, taken_in=taken_in, max_length=max_length, checks=generated_checks
    )
