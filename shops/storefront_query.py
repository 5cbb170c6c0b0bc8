"""The storefront product list's query string in canonical form: what its cache entry is keyed on and what
its page links carry.

The parameters are parsed exactly as the view parses them (the same filterset and paginator), so two query
strings share an entry only when they give the same answer: unknown parameters are dropped, the known ones
come in a fixed order with their parsed values (`min_price=1e1` is `10`, `page=01` is `1`, a page
size above the maximum is the maximum, a default is left out). Text is kept as sent, case and Unicode form included:
PostgreSQL compares it so (`category=Mugs` is not `mugs`, an NFD name is not its NFC form)."""

from decimal import Decimal
from types import SimpleNamespace

from django.http import QueryDict

from api.pagination import StandardPagination
from shops.filters import PublicProductFilter
from shops.models import Product

DEFAULT_ORDERING = "newest"
SEARCH_WORDS = 10  # words a search uses (PublicProductFilter.filter_search)


def _number(value: Decimal) -> str:
    """ "10" for 10, 10.0 and 1e1; scientific for a far exponent (1e999999 stays short)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return format(normal, "f") if isinstance(exponent, int) and -40 <= exponent <= 40 else str(normal)


def _page(query: QueryDict, paginator: StandardPagination) -> str | None:
    """As PageNumberPagination reads it ("last", or what Paginator.validate_number takes), None if invalid."""
    raw = query.get(paginator.page_query_param) or "1"
    if raw in paginator.last_page_strings:
        return raw
    try:
        number = int(raw)
    except ValueError:
        return None
    return str(number) if number >= 1 else None


def canonical_list_query(query: QueryDict) -> list[tuple[str, str]] | None:
    """The parameters of a product list request that change its answer, canonical and in a fixed order;
    None when they are invalid (the answer is then a 400 or 404, which is never cached)."""
    if any(name in query for name in PublicProductFilter.base_filters):
        filterset = PublicProductFilter(query, queryset=Product.objects.none())
        if not filterset.is_valid():
            return None
        data = filterset.form.cleaned_data
    else:  # no filter sent (the usual page): what the filterset would clean, without building it
        data = {}
    params: list[tuple[str, str]] = []
    if data.get("category"):
        params.append(("category", data["category"]))
    for name in ("min_price", "max_price"):
        if data.get(name) is not None:
            params.append((name, _number(data[name])))
    if data.get("in_stock") is not None:
        params.append(("in_stock", "true" if data["in_stock"] else "false"))
    words = (data.get("search") or "").split()[:SEARCH_WORDS]
    if words:
        params.append(("search", " ".join(words)))
    if (data.get("ordering") or DEFAULT_ORDERING) != DEFAULT_ORDERING:
        params.append(("ordering", data["ordering"]))

    paginator = StandardPagination()
    page = _page(query, paginator)
    if page is None:
        return None
    if page != "1":
        params.append((paginator.page_query_param, page))
    page_size = paginator.get_page_size(SimpleNamespace(query_params=query))  # type: ignore[arg-type] # reads query_params only
    if page_size != paginator.page_size:
        params.append((paginator.page_size_query_param, str(page_size)))
    return params
