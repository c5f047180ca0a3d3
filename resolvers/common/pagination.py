"""Relay connections over MongoDB with keyset cursors (never skip) and a lazy ``totalCount``."""

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import strawberry
from beanie import PydanticObjectId

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
    """One sort field; documents are ordered by the keys, then by ``_id``, all ascending."""

    field: str


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise ValidationFailed.single("after", "Not a cursor of this list.") from error
    if not isinstance(values, list) or len(values) != width:
        raise ValidationFailed.single("after", "Not a cursor of this list.")
    return values


def check_page_size(first: int) -> None:
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailed.single("first", f"Must be between 0 and {MAX_PAGE_SIZE}.")


def after_filter(keys: Sequence[SortKey], cursor_values: list[Any]) -> dict[str, Any]:
    """The keyset condition "strictly after this row" for ascending ``keys`` then ``_id``."""
    fields = [key.field for key in keys] + ["_id"]
    values = [*cursor_values[:-1], PydanticObjectId(cursor_values[-1])]
    branches = []
    for i, name in enumerate(fields):
        branch = {fields[j]: values[j] for j in range(i)}
        branch[name] = {"$gt": values[i]}
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
    """One page of ``collection`` (a pymongo collection) in keyset order."""
    check_page_size(first)
    query = dict(base_filter)
    if after is not None:
        query = {"$and": [base_filter, after_filter(keys, decode_cursor(after, len(keys) + 1))]}
    sort = [(key.field, 1) for key in keys] + [("_id", 1)]
    rows = await collection.find(query).sort(sort).limit(first + 1).to_list()
    page = rows[:first]
    edges = [
        Edge(
            cursor=encode_cursor([*(row.get(k.field) for k in keys), str(row["_id"])]),
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
        count=lambda: collection.count_documents(base_filter),
    )
