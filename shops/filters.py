"""Product list filters, search and sorting, for the owner's list and the public storefront."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from shops.models import ProductStatus
from shops.stock import in_stock_filter

ORDERINGS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
}


class PublicProductFilter(filters.FilterSet):
    category = filters.CharFilter(method="filter_category", help_text="A category id or slug.")
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte")
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte")
    in_stock = filters.BooleanFilter(
        method="filter_in_stock", help_text="true: only products customers can buy now; false: only the others."
    )
    search = filters.CharFilter(method="filter_search", help_text="Words in the name or descriptions.")
    ordering = filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(key, key) for key in ORDERINGS],
        empty_label=None,
        help_text="newest (default), oldest, price, -price, name, -name.",
    )

    search_fields: tuple[str, ...] = ("name", "short_description", "long_description")

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # isdigit() alone admits "²", which int() refuses. An all-digit value may also be a slug ("2024").
        if value.isascii() and value.isdigit():
            return queryset.filter(Q(category_id=int(value)) | Q(category__slug=value))
        return queryset.filter(category__slug=value)

    def filter_in_stock(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(in_stock_filter()) if value else queryset.exclude(in_stock_filter())

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:10]:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset

    def filter_ordering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*ORDERINGS[value]) if value else queryset


class OwnerProductFilter(PublicProductFilter):
    status = filters.ChoiceFilter(
        choices=[*ProductStatus.choices, ("inactive", "Inactive (= draft)")],
        method="filter_status",
        help_text="active, inactive (= draft) or archived.",
    )

    search_fields = ("name", "sku", "short_description", "long_description")

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(status=ProductStatus.DRAFT if value == "inactive" else value) if value else queryset
