"""Atomic changes of a CRM's lists (stages, acquisition sources), one update of the CRM each.

A change is checked against the CRM as read, then written with one update whose filter says the
same to the database (the name is still free, the item still there, the list not full). When
another request changed the CRM in between, the write matches nothing and the check runs again
on the CRM as it is now: it then reports the conflict, or the write is tried again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from beanie import PydanticObjectId
from pymongo import ReturnDocument

from models.crm import Crm
from models.crm_lists import MAX_ITEMS_PER_LIST, CrmListItem
from models.errors import Conflict, NotFound, ValidationFailed
from models.timestamps import utcnow

T = TypeVar("T", bound=CrmListItem)

# Each attempt that misses was overtaken by a concurrent change of the same CRM.
ATTEMPTS = 3


@dataclass(frozen=True)
class CrmList(Generic[T]):
    """One list of the CRM document: its field, and how its items are named in messages."""

    field: str
    what: str
    type_name: str

    def items(self, crm: Crm) -> list[T]:
        return getattr(crm, self.field)

    def item(self, crm: Crm, item_id: PydanticObjectId) -> T:
        found = next((item for item in self.items(crm) if item.id == item_id), None)
        if found is None:
            raise NotFound(self.type_name, item_id)
        return found


async def crm_holding(
    items: CrmList[T], tenant_id: PydanticObjectId, item_id: PydanticObjectId
) -> Crm:
    """The company's CRM whose list holds ``item_id``."""
    crm = await Crm.find_one({"tenant_id": tenant_id, f"{items.field}.id": item_id})
    if crm is None:
        raise NotFound(items.type_name, item_id)
    return crm


def _check_name_free(items: CrmList[T], crm: Crm, key: str, item_id: PydanticObjectId) -> None:
    holder = next((i for i in items.items(crm) if i.name_key == key and i.id != item_id), None)
    if holder is not None:
        raise Conflict(
            f"A {items.what} with this name already exists in this CRM.",
            field="name",
            existing_id=holder.id,
        )


def _name_free(items: CrmList[T], key: str, item_id: PydanticObjectId) -> dict[str, Any]:
    return {items.field: {"$not": {"$elemMatch": {"name_key": key, "id": {"$ne": item_id}}}}}


async def _current(crm: Crm) -> Crm:
    current = await Crm.find_one({"_id": crm.id, "tenant_id": crm.tenant_id})
    if current is None:
        raise NotFound("Crm", crm.id)
    return current


async def _store_if_missing(items: CrmList[T], crm: Crm) -> None:
    """A CRM stored before the list existed gets the list as read (the system sources, with the
    ids already shown), so that a ``$push`` does not start it from nothing."""
    await Crm.get_pymongo_collection().update_one(
        {"_id": crm.id, "tenant_id": crm.tenant_id, items.field: {"$exists": False}},
        {"$set": {items.field: [item.model_dump() for item in items.items(crm)]}},
    )


async def _write(
    items: CrmList[T],
    crm: Crm,
    check: Callable[[Crm], None],
    guard: dict[str, Any],
    update: dict[str, Any],
    *,
    array_filters: list[dict[str, Any]] | None = None,
    return_document: ReturnDocument = ReturnDocument.AFTER,
) -> Crm:
    """``check`` raises what is wrong with the change on a state of the CRM; ``guard`` says the
    same as a filter; ``update`` also sets ``updated_at``. Returns the CRM as
    ``return_document`` says."""
    await _store_if_missing(items, crm)
    for _ in range(ATTEMPTS):
        check(crm)
        row = await Crm.get_pymongo_collection().find_one_and_update(
            {"_id": crm.id, "tenant_id": crm.tenant_id, **guard},
            update,
            array_filters=array_filters,
            return_document=return_document,
        )
        if row is not None:
            return Crm.model_validate(row)
        crm = await _current(crm)
    raise Conflict("The CRM was changed by another request meanwhile; try again.")


async def add_item(items: CrmList[T], crm: Crm, item: T, path: str) -> tuple[Crm, T]:
    """Appends ``item``, whose name must be free in the CRM; ``path`` names the CRM's argument,
    the offending value when the list is full."""

    def check(current: Crm) -> None:
        if len(items.items(current)) >= MAX_ITEMS_PER_LIST:
            raise ValidationFailed.single(
                path, f"A CRM holds at most {MAX_ITEMS_PER_LIST} {items.what}s."
            )
        _check_name_free(items, current, item.name_key, item.id)

    guard = {
        **_name_free(items, item.name_key, item.id),
        f"{items.field}.{MAX_ITEMS_PER_LIST - 1}": {"$exists": False},
    }
    update = {"$push": {items.field: item.model_dump()}, "$set": {"updated_at": utcnow()}}
    crm = await _write(items, crm, check, guard, update)
    return crm, items.item(crm, item.id)


async def change_item(
    items: CrmList[T], crm: Crm, item_id: PydanticObjectId, changes: dict[str, Any]
) -> tuple[Crm, T]:
    """Sets the item's fields in ``changes``; a new ``name_key`` must be free in the CRM."""
    key = changes.get("name_key")

    def check(current: Crm) -> None:
        items.item(current, item_id)
        if key is not None:
            _check_name_free(items, current, key, item_id)

    guard = {f"{items.field}.id": item_id}
    if key is not None:
        guard.update(_name_free(items, key, item_id))
    fields = {f"{items.field}.$[item].{name}": value for name, value in changes.items()}
    update = {"$set": {**fields, "updated_at": utcnow()}}
    crm = await _write(items, crm, check, guard, update, array_filters=[{"item.id": item_id}])
    return crm, items.item(crm, item_id)


async def remove_item(items: CrmList[T], crm: Crm, item_id: PydanticObjectId) -> tuple[Crm, T]:
    """Removes the item; returns the CRM without it and the item as it was."""

    def check(current: Crm) -> None:
        items.item(current, item_id)

    now = utcnow()
    before = await _write(
        items,
        crm,
        check,
        {f"{items.field}.id": item_id},
        {"$pull": {items.field: {"id": item_id}}, "$set": {"updated_at": now}},
        return_document=ReturnDocument.BEFORE,
    )
    rest = [item for item in items.items(before) if item.id != item_id]
    after = before.model_copy(update={items.field: rest, "updated_at": now})
    return after, items.item(before, item_id)
