"""Every row of every table of the project's models, for asserting that a request changed nothing (or only
what it should)."""

from typing import Any

from django.apps import apps

OWN_APPS = {"accounts", "shops", "images", "orders", "webhooks", "knox"}


def all_rows() -> dict[str, dict[Any, dict[str, Any]]]:
    """{model label: {pk: row}} for every model of the project's apps and knox's tokens."""
    return {
        model._meta.label: {row["pk"]: row for row in model._base_manager.order_by("pk").values("pk", *_fields(model))}
        for model in apps.get_models()
        if model._meta.app_label in OWN_APPS
    }


def _fields(model: Any) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def touched(before: dict[str, dict[Any, dict[str, Any]]], after: dict[str, dict[Any, dict[str, Any]]]) -> list[Any]:
    """(label, row) of every row that is new or changed."""
    return [
        (label, row)
        for label, rows in after.items()
        for pk, row in rows.items()
        if before.get(label, {}).get(pk) != row
    ]
