"""What a call event refers to (project, CRM, agent, requester, contact, match), read once per
event version and shared, scoped by the event's company.

A call event reaches every subscriber of its project in a process (``app/call_bus.py``): with a
hundred agent desktops, a hundred executions select its match and contact. They share one dict
per event version (``CallChange.shared``), and the subscription reads everything into it before
the first of them runs (:func:`read_all`), so that each field resolves at once, without awaiting:
an execution whose fields all resolve synchronously costs a fraction of one that awaits (graphql-
core gathers awaited fields in tasks). That sharing is sound because nothing read here depends on
who asks: each read is scoped by the event's company only, and every subscriber receiving the
event belongs to that company.

Outside subscriptions (a mutation's answer) a field reads what it needs when it is selected.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from beanie import Document, PydanticObjectId

from models.contact import Contact, Organization
from models.crm import Crm
from models.project import Project
from models.user import User
from resolvers.calls.matching import MatchedRows

T = TypeVar("T")
U = TypeVar("U")
Row = dict[str, Any]


async def once(shared: dict[str, Any], key: str, load: Callable[[], Awaitable[T]]) -> T:
    """``load()``, run by the first caller with this ``shared`` dict and ``key``; the others
    await the same result. Shielded: one subscriber going away does not cancel it for the rest."""
    task = shared.get(key)
    if task is None:
        task = shared[key] = asyncio.ensure_future(load())
    return await asyncio.shield(task)


async def live_rows(
    document: type[Document], tenant_id: PydanticObjectId, ids: Sequence[PydanticObjectId]
) -> list[Row]:
    """The live (not deleted) contacts or organizations of ``ids``, in that order."""
    if not ids:
        return []
    cursor = document.get_pymongo_collection().find(
        {"_id": {"$in": list(ids)}, "tenant_id": tenant_id, "deleted": False}
    )
    by_id = {row["_id"]: row for row in await cursor.to_list()}
    return [by_id[i] for i in ids if i in by_id]


async def _of_company(document: type[Any], row: Row, id_field: str) -> Any:
    record_id = row.get(id_field)
    if record_id is None:
        return None
    return await document.find_one({"_id": record_id, "tenant_id": row["tenant_id"]})


async def _contact(row: Row) -> Row | None:
    contact_id = row.get("contact_id")
    rows = await live_rows(Contact, row["tenant_id"], [contact_id] if contact_id else [])
    return rows[0] if rows else None


async def _match(row: Row) -> MatchedRows:
    """The records the number matched when the call came in, as they are now."""
    tenant_id, match = row["tenant_id"], row.get("match") or {}
    contacts, organizations = await asyncio.gather(
        live_rows(Contact, tenant_id, match.get("contact_ids") or []),
        live_rows(Organization, tenant_id, match.get("organization_ids") or []),
    )
    auto_id = match.get("auto_assigned_id")
    return MatchedRows(
        normalized_number=row.get("normalized_number"),
        contacts=contacts,
        organizations=organizations,
        auto_assigned=next((c for c in contacts if c["_id"] == auto_id), None),
    )


READS: dict[str, Callable[[Row], Awaitable[Any]]] = {
    "project": lambda row: _of_company(Project, row, "project_id"),
    "crm": lambda row: _of_company(Crm, row, "crm_id"),
    "agent": lambda row: _of_company(User, row, "agent_id"),
    "requested_by": lambda row: _of_company(User, row, "requested_by_id"),
    "contact": _contact,
    "match": _match,
}


async def read_all(shared: dict[str, Any], row: Row) -> None:
    """Everything the call refers to, read into ``shared`` (at most one query each)."""

    async def every_read() -> None:
        await asyncio.gather(
            *(once(shared, name, lambda r=read: r(row)) for name, read in READS.items())
        )

    await once(shared, "everything", every_read)


def reference(shared: dict[str, Any], row: Row, name: str, then: Callable[[Any], U]) -> Any:
    """``then`` of what the call refers to as ``name``: at once when it has been read, else an
    awaitable that reads it (once for all holders of ``shared``)."""
    task = shared.get(name)
    if task is not None and task.done() and not task.cancelled() and task.exception() is None:
        return then(task.result())

    async def later() -> U:
        return then(await once(shared, name, lambda: READS[name](row)))

    return later()
