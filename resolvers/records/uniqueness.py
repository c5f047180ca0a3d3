"""Turns the unique index's refusal into a CONFLICT naming the field and the record holding it."""

from typing import Any

from models.errors import Conflict
from models.sortable import SEPARATOR


async def unique_conflict(collection: Any, document: dict[str, Any]) -> Conflict:
    entries = document.get("uniq") or []
    holder = await _holder(collection, document, entries)
    if holder is None:  # the other record changed meanwhile; still a conflict of this write
        return Conflict("Another record holds a value of a unique field.")
    shared = sorted(set(entries) & set(holder.get("uniq") or []))
    key = shared[0].split(SEPARATOR, 1)[0] if shared else None
    return Conflict(
        f"Another record already has this value of {key}.",
        field=key,
        existing_id=holder["_id"],
    )


async def _holder(collection: Any, document: dict[str, Any], entries: list[str]) -> Any:
    """Another record of the CRM holding one of ``entries``: live ones first, then the trash,
    each an index range of ``unique_lookup`` (the engine never reads the partial
    ``unique_values`` index by itself, and a hint would walk all of it)."""
    for deleted in (False, True):
        query = {"crm_id": document["crm_id"], "deleted": deleted, "uniq": {"$in": entries}}
        async for row in collection.find(query, {"uniq": 1}).limit(2):
            if row["_id"] != document["_id"]:
                return row
    return None
