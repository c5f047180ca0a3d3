"""The CONFLICT answer to a duplicate name, naming the record that already holds it."""

from typing import Any

from beanie import Document

from models.errors import Conflict


async def name_taken(model: type[Document], scope: dict[str, Any], key: str, what: str) -> Conflict:
    """``scope`` is where names are unique (a company, or the whole service)."""
    holder = await model.find_one({**scope, "name_key": key})
    return Conflict(
        f"A {what} with this name already exists.",
        field="name",
        existing_id=holder.id if holder is not None else None,
    )
