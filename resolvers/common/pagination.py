"""Relay connections over MongoDB with keyset cursors (never skip) and a lazy ``totalCount``."""

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class SortKey:
    """One sort field; documents are ordered by the keys, then by ``_id`` (in the direction of
    the last key)."""

    field: str
    descending: bool = False


def encode_cursor(values: Sequence[Any]) -> str:
    """Extended JSON keeps dates and ids typed, so the keyset condition compares like with like."""
    return base64.urlsafe_b64encode(json_util.dumps(list(values)).encode()).decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        values = json_util.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as error:
        raise ValidationFailed.single("after", "Not a cursor of this list.") from error
    if not isinstance(values, list) or len(values) != width or not isinstance(values[-1], ObjectId):
        raise ValidationFailed.single("after", "Not a cursor of this list.")
    return values


def check_page_size(first: int) -> None:
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailed.single("first", f"Must be between 0 and {MAX_PAGE_SIZE}.")


def _with_id(keys: Sequence[SortKey]) -> list[SortKey]:
    return [*keys, SortKey("_id", keys[-1].descending if keys else False)]


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
    *,
    hint: str | None = None,
    projection: dict[str, Any] | None = None,
) -> Connection[T]:
    """One page of ``collection`` (a pymongo collection) in keyset order; ``hint`` names the
    index that drives the query (see DESIGN.md: the embedded engine needs it)."""
    check_page_size(first)
    query = dict(base_filter)
    if after is not None:
        query = {"$and": [base_filter, after_filter(keys, decode_cursor(after, len(keys) + 1))]}
    sort = [(key.field, -1 if key.descending else 1) for key in _with_id(keys)]
    cursor = collection.find(query, projection).sort(sort).limit(first + 1)
    if hint is not None:
        cursor = cursor.hint(hint)
    rows = await cursor.to_list()
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
        count=lambda: collection.count_documents(base_filter, **({"hint": hint} if hint else {})),
    )
