"""What the catalogue tables hold, row by row, and values as the API writes them: for asserting that a
refused request wrote nothing and that a response body is exactly what was stored."""

from datetime import datetime
from typing import Any

from django.db.models import Model
from rest_framework import serializers

from shops.models import Category, Product, ProductImage, Shop

CATALOGUE: tuple[type[Model], ...] = (Shop, Category, Product, ProductImage)


def catalogue_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every catalogue table, every field, in id order."""
    return {model._meta.label: list(model._default_manager.order_by("id").values()) for model in CATALOGUE}


def as_json(moment: datetime) -> str:
    """A datetime as DRF renders it ("2026-01-31T12:00:00.123456Z")."""
    return serializers.DateTimeField().to_representation(moment)
