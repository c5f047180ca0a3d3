"""Lists of contacts and organizations: filter, search and order compiled to one indexed query.

The query names its driving index (``hint``): the embedded engine uses an index only when it
covers every predicate, and on MongoDB the hint is what its planner would choose anyway.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any

import strawberry

from models.contact_keys import words
from models.errors import ValidationFailed
from models.sortable import prefix_bounds
from resolvers.common.pagination import SortKey


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum(description="What a list of records is ordered by; NAME is in Polish order.")
class RecordSortField(Enum):
    NAME = "name_sort"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


SORT_INDEXES = {
    RecordSortField.NAME: "list_by_name",
    RecordSortField.CREATED_AT: "list_by_created",
    RecordSortField.UPDATED_AT: "list_by_updated",
}


@strawberry.input
class RecordOrderBy:
    field: RecordSortField
    direction: SortDirection = SortDirection.ASC


@dataclass(frozen=True)
class ListQuery:
    query: dict[str, Any]
    sort: list[SortKey]
    hint: str


def search_clauses(search: str | None) -> list[dict[str, Any]]:
    """Each word of ``search`` must start some word of the record (case and accents ignored)."""
    if not search:
        return []
    clauses = []
    for word in words(search):
        low, high = prefix_bounds(word)
        clauses.append({"kw": {"$elemMatch": {"$gte": low, "$lt": high}}})
    return clauses


def list_query(
    base: dict[str, Any],
    filter_clauses: list[dict[str, Any]],
    search: str | None,
    order_by: list[RecordOrderBy] | None,
) -> ListQuery:
    if order_by and len(order_by) > 1:
        raise ValidationFailed.single("orderBy", "One sort key is supported.")
    order = order_by[0] if order_by else RecordOrderBy(field=RecordSortField.NAME)
    searched = search_clauses(search)
    clauses = [base, *searched, *filter_clauses]
    if searched:
        hint = "search"
    elif filter_clauses:
        hint = "filter"
    else:
        hint = SORT_INDEXES[order.field]
    return ListQuery(
        query=clauses[0] if len(clauses) == 1 else {"$and": clauses},
        sort=[SortKey(order.field.value, order.direction is SortDirection.DESC)],
        hint=hint,
    )
