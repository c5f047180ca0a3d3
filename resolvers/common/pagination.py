"""Relay connections over MongoDB with keyset cursors (never skip) and a lazy ``totalCount``.

Pages and counts run as aggregations whose first ``$match`` holds only the filter's plain field
conditions (:func:`match_stages`): the embedded engine plans that stage alone, and a filter with
a top-level operator (``$and``, ``$or``) would make it read every company's documents.
"""

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import strawberry
from beanie import PydanticObjectId
from bson import ObjectId, json_util

from models.errors import ValidationFailed

T = TypeVar("T")

MAX_PAGE_SIZE = 200


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(name="Edge")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(name="Connection")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Counted only when asked for.")
    async def total_count(self) -> int:
        return await self.count()


# The values a sort key of a stored document may hold, when the list does not say which.
SCALARS = (str, int, float, bool, datetime, ObjectId)
INT64 = range(-(2**63), 2**63)


@dataclass(frozen=True)
class SortKey:
    """One sort field; documents are ordered by the keys, then by ``_id`` (in the direction of
    the last key). ``types``: what the field holds, which a cursor's value must be (or null)."""

    field: str
    descending: bool = False
    types: tuple[type, ...] = SCALARS


def encode_cursor(values: Sequence[Any]) -> str:
    """Extended JSON keeps dates and ids typed, so the keyset condition compares like with like."""
    return base64.urlsafe_b64encode(json_util.dumps(list(values)).encode()).decode()


def _not_a_cursor() -> ValidationFailed:
    return ValidationFailed.single("after", "Not a cursor of this list.")


def _fits(value: Any, key: SortKey) -> bool:
    """A cursor's value is compared with stored values: only a plain value of the key's type,
    never an operator, a pattern or a nested document."""
    if value is None:
        return True
    if type(value) not in key.types:  # exactly: bson's Code is a str, Int64 an int
        return False
    if type(value) is int and value not in INT64:
        return False
    return not (type(value) is float and value != value)  # NaN orders before every number


def decode_cursor(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    """The values of a cursor of a list ordered by ``keys`` (and ``_id``); anything else, of
    any shape a client may send, is refused at ``after``."""
    try:
        values = json_util.loads(base64.urlsafe_b64decode(cursor.encode()))
    except Exception as error:  # whatever the decoders raise, it is not a cursor of ours
        raise _not_a_cursor() from error
    ordered = _with_id(keys)
    if not isinstance(values, list) or len(values) != len(ordered):
        raise _not_a_cursor()
    if not isinstance(values[-1], ObjectId):
        raise _not_a_cursor()
    if not all(_fits(value, key) for value, key in zip(values, ordered, strict=True)):
        raise _not_a_cursor()
    return values


def check_page_size(first: int) -> None:
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailed.single("first", f"Must be between 0 and {MAX_PAGE_SIZE}.")


def _with_id(keys: Sequence[SortKey]) -> list[SortKey]:
    return [*keys, SortKey("_id", keys[-1].descending if keys else False, (ObjectId,))]


def match_stages(query: dict[str, Any]) -> list[dict[str, Any]]:
    """``query`` as ``$match`` stages: its field conditions first, its operators after.

    The embedded engine picks an index only for the first stage, and only when it has no
    top-level operator: the fields (the CRM, ``deleted``, one indexed clause) then bound the scan
    to the caller's records. MongoDB merges the stages back into one.
    """
    fields = {k: v for k, v in query.items() if not k.startswith("$")}
    operators = {k: v for k, v in query.items() if k.startswith("$")}
    return [{"$match": part} for part in (fields, operators) if part]


def with_clause(query: dict[str, Any], clause: dict[str, Any]) -> dict[str, Any]:
    """``query`` and ``clause``, its fields kept at the top level."""
    return {**query, "$and": [*query.get("$and", []), clause]}


async def count_matching(collection: Any, query: dict[str, Any]) -> int:
    """``count_documents`` in the shape of :func:`match_stages`."""
    rows = await collection.aggregate([*match_stages(query), {"$count": "n"}])
    counted = await rows.to_list()
    return counted[0]["n"] if counted else 0


def after_filter(keys: Sequence[SortKey], cursor_values: list[Any]) -> dict[str, Any]:
    """The keyset condition "strictly after this row" in the order of ``keys`` then ``_id``."""
    ordered = _with_id(keys)
    values = [*cursor_values[:-1], PydanticObjectId(cursor_values[-1])]
    branches = []
    for i, key in enumerate(ordered):
        branch: dict[str, Any] = {ordered[j].field: values[j] for j in range(i)}
        branch[key.field] = {"$lt" if key.descending else "$gt": values[i]}
        branches.append(branch)
    return {"$or": branches}


async def keyset_page(
    collection: Any,
    base_filter: dict[str, Any],
    keys: Sequence[SortKey],
    first: int,
    after: str | None,
    to_node: Callable[[dict[str, Any]], T],
) -> Connection[T]:
    """One page of ``collection`` (a pymongo collection) in keyset order. No index is named:
    ``base_filter``'s fields (see :func:`match_stages`) let the engine pick one itself."""
    check_page_size(first)
    query = dict(base_filter)
    if after is not None:
        query = with_clause(query, after_filter(keys, decode_cursor(after, keys)))
    sort = {key.field: -1 if key.descending else 1 for key in _with_id(keys)}
    pipeline = [*match_stages(query), {"$sort": sort}, {"$limit": first + 1}]
    rows = await (await collection.aggregate(pipeline)).to_list()
    page = rows[:first]
    edges = [
        Edge(
            cursor=encode_cursor([*(row.get(k.field) for k in keys), row["_id"]]),
            node=to_node(row),
        )
        for row in page
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=lambda: count_matching(collection, base_filter),
    )
