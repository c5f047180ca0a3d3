"""Turns the unique index's refusal into a CONFLICT naming the field and the record holding it."""

from typing import Any

from models.errors import Conflict
from models.sortable import SEPARATOR


async def unique_conflict(collection: Any, document: dict[str, Any]) -> Conflict:
    entries = document.get("uniq") or []
    holder = await collection.find_one(
        {"crm_id": document["crm_id"], "uniq": {"$in": entries}, "_id": {"$ne": document["_id"]}},
        {"uniq": 1},
        hint="unique_values",
    )
    if holder is None:  # the other record changed meanwhile; still a conflict of this write
        return Conflict("Another record holds a value of a unique field.")
    shared = sorted(set(entries) & set(holder.get("uniq") or []))
    key = shared[0].split(SEPARATOR, 1)[0] if shared else None
    return Conflict(
        f"Another record already has this value of {key}.",
        field=key,
        existing_id=holder["_id"],
    )
