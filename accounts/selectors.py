"""Account reads: the user's plan, its limits, and how much of them is used."""

from typing import Any

from django.db.models import Count

from accounts.models import User
from accounts.plans import limits_of, plan_of


def plan_usage_get(*, user: User) -> dict[str, Any]:
    """`{plan, limits: {max_shops, max_products_per_shop}, usage: {shops, products_per_shop: {"<id>": n}}}`;
    a limit of None is unlimited. One query."""
    limits = limits_of(user)
    # Through the reverse relation, so accounts need not import shops.
    shops = user.shops.annotate(product_count=Count("products")).order_by("id")
    counts = dict(shops.values_list("id", "product_count"))
    return {
        "plan": plan_of(user),
        "limits": {"max_shops": limits.max_shops, "max_products_per_shop": limits.max_products_per_shop},
        "usage": {"shops": len(counts), "products_per_shop": {str(shop_id): n for shop_id, n in counts.items()}},
    }
