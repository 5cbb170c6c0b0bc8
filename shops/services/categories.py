"""Category writes."""

from typing import Any

from django.db import transaction

from shops.models import Category, Shop
from shops.services.uniqueness import TakenCheck, save_unique
from shops.slugs import normalize_given_slug, slug_from

SLUG_MAX = Category._meta.get_field("slug").max_length
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
    category = Category(shop=shop, name=name.strip(), description=description)
    _apply_slug(category, slug)
    category.full_clean(validate_unique=False, validate_constraints=False)
    save_unique(category, _taken_checks(category))
    return category


@transaction.atomic
def category_get_or_create_by_name(*, shop: Shop, name: str) -> Category:
    """The shop's category called `name` (any case), created when there is none."""
    existing = Category.objects.filter(shop=shop, name__iexact=name.strip()).first()
    return existing or category_create(shop=shop, name=name)


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
