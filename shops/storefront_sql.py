"""Storefront queries compiled once per process: the ORM builds and compiles a page's query (its joins, JSON
subqueries and window count: ~2-3 ms of CPU each time, more than running it) the first time, with stand-in
values; each request then runs that SQL with its own values (shop slug, product slug, today, limit, offset).

The query is the selectors' own (`shops.selectors`), read as `values_list` in a fixed column order, so it is
the same SQL the ORM would send. Rows come back as plain objects with the attributes the JSON builders
(`shops.storefront_json`) and the stock rules read (`product.shop.currency`, `product.category.name`, ...):
no model instances are made."""

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

from django.db import connection
from django.db.models import QuerySet

from shops.models import Product, Shop

# Stand-ins the query is compiled with; each is replaced by this request's value. No stored slug holds a NUL
# (PostgreSQL text cannot), and the stand-ins never reach the database.
SHOP_SLUG = "\x00shop-slug"
PRODUCT_SLUG = "\x00product-slug"
TODAY = date(1, 1, 2)

# Where a product's own columns come from, by the attribute the builders read.
PRODUCT_COLUMNS = (
    "id",
    "name",
    "slug",
    "short_description",
    "long_description",
    "price",
    "compare_at_price",
    "stock_status",
    "stock_quantity",
    "available_from",
    "available_to",
    "created_at",
    "updated_at",
    "category_id",
    "category__name",
    "category__slug",
    "shop__currency",
    "shop__show_stock_quantity",
)


@dataclass
class PreparedQuery:
    """A query built by `build(shop_slug, product_slug, today)` and read as `columns`, compiled on first use
    (again when `depends_on()`, e.g. a setting the query inlines, gives another value); `suffix` (with its
    placeholders) is appended to its SQL, e.g. a LIMIT the request decides."""

    build: Callable[[str, str, date], QuerySet[Any]]
    columns: Sequence[str]
    suffix: str = ""
    depends_on: Callable[[], Hashable] = lambda: None
    _compiled: dict[Hashable, tuple[str, list[Any]]] = field(default_factory=dict, init=False)

    def _sql(self) -> tuple[str, list[Any]]:
        key = self.depends_on()
        compiled = self._compiled.get(key)
        if compiled is None:
            queryset = self.build(SHOP_SLUG, PRODUCT_SLUG, TODAY).values_list(*self.columns)
            sql, params = queryset.query.sql_with_params()
            if SHOP_SLUG not in params:
                raise RuntimeError("a prepared storefront query must take the shop's slug as a parameter")
            compiled = self._compiled[key] = (sql + self.suffix, list(params))
        return compiled

    def rows(
        self, *, shop_slug: str, product_slug: str = "", today: date = TODAY, extra: Sequence[Any] = ()
    ) -> list[Any]:
        """The rows as dicts of `columns`; `extra` fills the suffix's placeholders."""
        sql, template = self._sql()
        stand_ins: dict[Any, Any] = {SHOP_SLUG: shop_slug, PRODUCT_SLUG: product_slug, TODAY: today}
        params = [stand_ins.get(value, value) if isinstance(value, (str, date)) else value for value in template]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *extra])
            return [dict(zip(self.columns, row, strict=True)) for row in cursor.fetchall()]


def json_value(value: Any) -> Any:
    """A JSON column as the ORM's JSONField gives it (psycopg hands Django's connection the text)."""
    return json.loads(value) if isinstance(value, str) else value


def json_array(values: list[Any] | None) -> list[Any]:
    """An array of JSON values (an ArraySubquery), decoded."""
    return [json_value(value) for value in values or ()]


def product_of(row: dict[str, Any], **annotations: Any) -> Product:
    """A row as the product the JSON builders and stock rules read (the attributes of a Product with its shop
    and category selected, and the annotations given). Not a model instance: typed as one for its readers,
    which only read these attributes."""
    category = (
        None
        if row["category_id"] is None
        else SimpleNamespace(id=row["category_id"], name=row["category__name"], slug=row["category__slug"])
    )
    shop = SimpleNamespace(currency=row["shop__currency"], show_stock_quantity=row["shop__show_stock_quantity"])
    product = SimpleNamespace(
        **{name: row[name] for name in PRODUCT_COLUMNS if "__" not in name},
        category=category,
        shop=shop,
        **annotations,
    )
    return cast(Product, product)


FEATURED_SLOTS = ("featured_category_1", "featured_category_2", "featured_category_3")
SHOP_OWN_COLUMNS = (
    "id",
    "name",
    "slug",
    "heading",
    "description",
    "currency",
    "profile_image",
    "cover_image",
    "contact_email",
    "contact_phone",
    "contact_website",
    "contact_address",
)
SHOP_COLUMNS = (
    *SHOP_OWN_COLUMNS,
    *(f"{slot}{part}" for slot in FEATURED_SLOTS for part in ("_id", "__name", "__slug")),
)


def shop_of(row: dict[str, Any]) -> Shop:
    """A row of SHOP_COLUMNS as the shop page's builder reads a Shop with its featured categories selected (its
    images as objects with a `name`, as FieldFile). Not a model instance: typed as one for its reader."""
    featured = {
        slot: None
        if row[f"{slot}_id"] is None
        else SimpleNamespace(id=row[f"{slot}_id"], name=row[f"{slot}__name"], slug=row[f"{slot}__slug"])
        for slot in FEATURED_SLOTS
    }
    plain = {name: row[name] for name in SHOP_OWN_COLUMNS}
    images = {name: SimpleNamespace(name=plain.pop(name) or "") for name in ("profile_image", "cover_image")}
    return cast(Shop, SimpleNamespace(**plain, **images, **featured))
