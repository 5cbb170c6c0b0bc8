"""Slugs made from names (transliterated: 'Магазин' -> 'magazin'), unique within a scope, with -2, -3... suffixes."""

import re

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from slugify import slugify


def slug_max_length(model: type[models.Model]) -> int:
    """The max_length of `model`'s `slug` field."""
    field = model._meta.get_field("slug")
    if not isinstance(field, models.Field) or field.max_length is None:
        raise ImproperlyConfigured(f"{model.__name__}.slug is not a field with a max_length")
    return field.max_length


def slug_from(text: str, *, max_length: int, fallback: str) -> str:
    return slugify(text, max_length=max_length, word_boundary=True) or fallback


def normalize_given_slug(value: str, *, max_length: int, field: str = "slug") -> str:
    """A client's slug, normalised the same way; an empty result is an error naming `field`."""
    slug = slugify(value, max_length=max_length)
    if not slug:
        raise ValidationError({field: "Enter a slug of letters, digits and hyphens."})
    return slug


def first_free_slug(base: str, *, taken_in: models.QuerySet, max_length: int) -> str:
    """`base`, or `base-N` with the smallest N >= 2 that no row of `taken_in` uses. One query."""
    pattern = rf"^{re.escape(base)}(-[0-9]+)?$"
    stem_length = max(0, max_length - 11)  # room for "-" and ten digits
    if len(base) > stem_length:
        # A candidate too long for max_length is cut before its suffix ("aaa...a-2"): it need not hold all of base.
        pattern += rf"|^{re.escape(base[:stem_length])}.*-[0-9]+$"
    taken = set(taken_in.filter(slug__regex=pattern).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1
