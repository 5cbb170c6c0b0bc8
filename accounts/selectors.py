"""Account reads: the account a login identifier reaches, the user's plan, its limits, and how much of them
is used."""

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.http import HttpRequest

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


@dataclass(frozen=True)
class LoginAccount:
    """What a login identifier reaches: the account (None when it reaches none) and the key its attempts are
    counted under (`login_account_key`)."""

    user: User | None
    key: str


@functools.cache
def _login_account_query(*, by_email: bool) -> tuple[str, list[str]]:
    """The query of `login_account_get` and the fields its columns fill after the first. One row whether or
    not an account matches: the folded identifier, then the columns of the account `user_login_lookup` finds
    (NULLs when none). The lookup's SQL is the ORM's, built once per kind of identifier: only the identifier
    changes from one login to the next, and building the query took ~1 ms of the login's CPU. Both
    parameters are the identifier (as the lookup compares it)."""
    sample = "sample@example.com" if by_email else "sample"
    lookup, params = user_login_lookup(identifier=sample).order_by("id")[:1].query.sql_with_params()
    if params != (sample,):  # the ORM changed how it writes the lookup: this reuse would be wrong
        raise RuntimeError(f"user_login_lookup compiles to unexpected parameters: {params!r}")
    fields = User._meta.concrete_fields
    quote = connection.ops.quote_name
    # (django-stubs type `column` as optional: a concrete field always has one.)
    columns = ", ".join(f"account.{quote(field.column)}" for field in fields)  # type: ignore[arg-type]
    account = f"LEFT JOIN ({lookup}) AS account ON TRUE"
    sql = f"SELECT UPPER(%s::text) AS folded, {columns} FROM (SELECT 1) AS one {account}"  # noqa: S608 - names, the ORM's SQL
    return sql, [field.attname for field in fields]


# `login_account_key` in SQL, over a row of `_login_account_query` (its `folded` and `id` columns): what the
# login throttle keys its account windows on when it takes them in the lookup's statement.
LOGIN_ACCOUNT_KEY_SQL = (
    "CASE WHEN {row}.id IS NULL THEN 'identifier:' || encode(sha256(convert_to({row}.folded, 'UTF8')), 'hex') "
    "ELSE 'user:' || {row}.id END"
)


# Where a request keeps the accounts it looked up, by identifier (see `login_account_get`).
_LOOKED_UP = "_login_accounts"


def login_account_get(*, identifier: str, request: HttpRequest | None = None) -> LoginAccount:
    """The account `identifier` reaches (`user_login_lookup`) and its `login_account_key`, in one query. With
    `request`, the answer is kept on it for the rest of the request: the login throttle looks the account up
    before the password is checked, and the login backend then reuses that row instead of reading it again."""
    looked_up: dict[str, LoginAccount] = getattr(request, _LOOKED_UP, {})
    if identifier in looked_up:
        return looked_up[identifier]
    sql, params = login_account_statement(identifier=identifier)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return login_account_from_row(identifier=identifier, row=row, request=request)


def login_account_statement(*, identifier: str) -> tuple[str, list[Any]]:
    """The SQL of `login_account_get` (one row: `folded`, then the account's columns) and its parameters, for
    a caller that runs it inside a statement of its own (the login throttle); `login_account_from_row` reads
    the row."""
    by_email = "@" in identifier
    compared = identifier if by_email else User.normalize_username(identifier)
    return _login_account_query(by_email=by_email)[0], [compared, compared]


def login_account_from_row(
    *, identifier: str, row: tuple[Any, ...], request: HttpRequest | None = None
) -> LoginAccount:
    """The LoginAccount of a row of `login_account_statement`, kept on `request` as `login_account_get` keeps
    it."""
    attnames = _login_account_query(by_email="@" in identifier)[1]
    folded, *values = row
    found = values[attnames.index("id")] is not None
    user = User.from_db(connection.alias, attnames, values) if found else None
    key = f"user:{user.id}" if user is not None else "identifier:" + hashlib.sha256(folded.encode()).hexdigest()
    account = LoginAccount(user=user, key=key)
    if request is not None:
        looked_up: dict[str, LoginAccount] = getattr(request, _LOOKED_UP, {})
        setattr(request, _LOOKED_UP, {**looked_up, identifier: account})
    return account


def login_account_key(*, identifier: str) -> str:
    """What a login attempt with `identifier` is counted against: the account it reaches (`user:<id>`, so a
    username, its email and every spelling the lookup folds share one budget), or, when it reaches none, the
    identifier as the lookup compares it (UPPER of the normalised text, computed by PostgreSQL), so that
    spellings the lookup would take for one account share one budget whether or not that account exists: the
    throttle answers alike for both. One query either way."""
    return login_account_get(identifier=identifier).key
