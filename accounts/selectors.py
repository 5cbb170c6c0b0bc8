"""Account reads: the account a login identifier reaches, the user's plan, its limits, and how much of them
is used."""

import hashlib
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet

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


def user_login_lookup(*, identifier: str) -> QuerySet[User]:
    """The accounts a login identifier reaches (at most one): an identifier with "@" is an email, compared
    case-insensitively as stored; anything else a username, NFKC-normalised as usernames are when saved
    (Django's own login form does the same), then compared case-insensitively. Both comparisons are
    PostgreSQL's UPPER(), so they fold what the database's collation folds (e.g. dotless i to I)."""
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier)
    return User.objects.filter(username__iexact=User.normalize_username(identifier))


def login_account_key(*, identifier: str) -> str:
    """What a login attempt with `identifier` is counted against: the account it reaches (`user:<id>`, so a
    username, its email and every spelling the lookup folds share one budget), or, when it reaches none, the
    identifier as the lookup compares it (UPPER of the normalised text, computed by PostgreSQL), so that
    spellings the lookup would take for one account share one budget whether or not that account exists: the
    throttle answers alike for both. One query either way."""
    compared = identifier if "@" in identifier else User.normalize_username(identifier)
    account = user_login_lookup(identifier=identifier).order_by("id").values("id")[:1]
    account_sql, account_params = account.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({account_sql}), UPPER(%s::text)", [*account_params, compared])
        user_id, folded = cursor.fetchone()
    if user_id is not None:
        return f"user:{user_id}"
    return "identifier:" + hashlib.sha256(folded.encode()).hexdigest()
