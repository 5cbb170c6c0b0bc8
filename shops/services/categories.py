"""Category writes."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from api.uniqueness import TakenCheck, save_unique
from shops.models import Category, Shop
from shops.services.uniqueness import save_new_with_slug
from shops.slugs import normalize_given_slug, slug_from, slug_max_length

SLUG_MAX = slug_max_length(Category)
EDITABLE_FIELDS = ("name", "slug", "description")


def _taken_checks(category: Category) -> list[TakenCheck]:
    others = Category.objects.filter(shop_id=category.shop_id).exclude(id=category.id)
    return [
        (
            "name",
            "This shop already has a category with this name.",
            lambda: others.filter(name__iexact=category.name).exists(),
        ),
        (
            "slug",
            "This shop already has a category with this slug.",
            lambda: others.filter(slug=category.slug).exists(),
        ),
    ]


def _apply_slug(category: Category, given: str) -> None:
    if given:
        category.slug = normalize_given_slug(given, max_length=SLUG_MAX)
    else:
        category.slug = slug_from(category.name, max_length=SLUG_MAX, fallback="category")


@transaction.atomic
def category_create(*, shop: Shop, name: str, slug: str = "", description: str = "") -> Category:
    """A given slug that is taken is a 400; a slug made from the name gets a -2, -3... suffix when taken
    (as for shops and products), so a new category name never fails on a slug the client did not send."""
    category = Category(shop=shop, name=name.strip(), description=description)
    return save_new_with_slug(
        category,
        given=slug,
        base=slug_from(category.name, max_length=SLUG_MAX, fallback="category"),
        taken_in=lambda: Category.objects.filter(shop=shop),
        max_length=SLUG_MAX,
        checks=_taken_checks(category),
        generated_checks=_taken_checks(category)[:1],  # the name
    )


@transaction.atomic
def category_get_or_create_by_name(*, shop: Shop, name: str) -> Category:
    """The shop's category called `name` (any case), created when there is none."""
    same_name = Category.objects.filter(shop=shop, name__iexact=name.strip())
    existing = same_name.first()
    if existing:
        return existing
    try:
        return category_create(shop=shop, name=name)
    except ValidationError:
        # A concurrent request created it after our look-up; its savepoint is rolled back, so use theirs.
        existing = same_name.first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def category_update(*, category: Category, data: dict[str, Any]) -> Category:
    changes = {field: value for field, value in data.items() if field in EDITABLE_FIELDS}
    for field, value in changes.items():
        setattr(category, field, value.strip() if field == "name" else value)
    if "slug" in changes:
        _apply_slug(category, changes["slug"])
    category.full_clean(validate_unique=False, validate_constraints=False)
    save_unique(category, _taken_checks(category))
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Its products stay, without a category."""
    category.delete()
