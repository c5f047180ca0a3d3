"""Lists of contacts and organizations: filter, search and order compiled to one query.

No index is named (a hint makes the embedded engine walk the whole index, every company's
records). The query keeps the CRM, ``deleted`` and one indexable clause as plain fields and the
other clauses under ``$and``; run through :func:`resolvers.common.pagination.match_stages`, the
engine then reads only the caller's records, narrowed by that clause's index range.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from models.contact_keys import search_words
from models.errors import ValidationFailed
from models.sortable import prefix_bounds
from resolvers.common.pagination import SortKey

# Bounds an index range can carry; an ``$elemMatch`` of only these is lifted as one.
_RANGE = frozenset({"$gt", "$gte", "$lt", "$lte"})


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum(description="What a list of records is ordered by; NAME is in Polish order.")
class RecordSortField(Enum):
    NAME = "name_sort"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


SORT_TYPES: dict[RecordSortField, tuple[type, ...]] = {
    RecordSortField.NAME: (str,),
    RecordSortField.CREATED_AT: (datetime,),
    RecordSortField.UPDATED_AT: (datetime,),
}


@strawberry.input
class RecordOrderBy:
    field: RecordSortField
    direction: SortDirection = SortDirection.ASC


@dataclass(frozen=True)
class ListQuery:
    query: dict[str, Any]
    sort: list[SortKey]


def search_clauses(search: str | None) -> list[dict[str, Any]]:
    """Each word of ``search`` must start some word of the record (case and accents ignored)."""
    if not search:
        return []
    clauses = []
    for word in search_words(search):
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
    sort = [
        SortKey(order.field.value, order.direction is SortDirection.DESC, SORT_TYPES[order.field])
    ]
    return ListQuery(indexed_query(base, [*search_clauses(search), *filter_clauses]), sort)


def indexed_query(base: dict[str, Any], clauses: list[dict[str, Any]]) -> dict[str, Any]:
    """``base`` (plain equalities) and all ``clauses``; the first clause an index range can
    serve (an equality, ``$in`` or a range on ``sk`` or ``kw``) is lifted beside ``base``."""
    query = dict(base)
    rest = []
    for clause in clauses:
        lifted = None if len(query) > len(base) else _index_range(clause)
        if lifted is None:
            rest.append(clause)
            continue
        query.update(lifted)
        if lifted != clause:  # a range lifted out of an ``$elemMatch``: the exact test stays
            rest.append(clause)
    return {**query, "$and": rest} if rest else query


def _index_range(clause: dict[str, Any]) -> dict[str, Any] | None:
    if len(clause) != 1:
        return None
    ((field, condition),) = clause.items()
    if field not in ("sk", "kw"):
        return None
    if isinstance(condition, str):
        return clause
    if not isinstance(condition, dict) or len(condition) != 1:
        return None
    ((operator, value),) = condition.items()
    if operator == "$in":
        return clause
    if operator == "$elemMatch" and value and set(value) <= _RANGE:
        # Over a multikey index the bounds hold for one entry; $elemMatch checks the same.
        return {field: dict(value)}
    return None
