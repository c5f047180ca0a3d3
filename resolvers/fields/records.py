"""Where the values of custom fields live: the records (contacts, organizations) of an entity.

Every scan here names the company first (``tenant_id`` leads the filter) and no index: the
embedded engine then reads the company's records on an index that starts with ``tenant_id``
(``caller_id``); a hint would make it walk that whole index, every company's records.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from beanie import Document, PydanticObjectId

from app.batches import in_batches
from models.contact import Contact, Organization
from models.field_definition import FieldEntity

BATCH_SIZE = 1000

RECORD_MODELS: dict[FieldEntity, type[Document]] = {
    FieldEntity.CONTACT: Contact,
    FieldEntity.ORGANIZATION: Organization,
}


def records_of(entity: FieldEntity) -> Any:
    """The raw (pymongo) collection of the entity's records."""
    return RECORD_MODELS[entity].get_pymongo_collection()


def value_path(key: str) -> str:
    return f"custom.{key}"


async def scan(
    tenant_id: PydanticObjectId,
    entity: FieldEntity,
    query: dict[str, Any],
    projection: dict[str, Any],
) -> AsyncIterator[list[dict[str, Any]]]:
    """The company's records matching ``query``, in batches of up to ``BATCH_SIZE``."""
    cursor = records_of(entity).find(
        {"tenant_id": tenant_id, **query}, projection, batch_size=BATCH_SIZE
    )
    async for batch in in_batches(cursor, BATCH_SIZE):
        yield batch


@dataclass(frozen=True)
class StoredValue:
    record_id: PydanticObjectId
    crm_id: PydanticObjectId
    deleted: bool
    value: Any


async def stored_values(
    tenant_id: PydanticObjectId, entity: FieldEntity, key: str, *, live_only: bool = False
) -> AsyncIterator[list[StoredValue]]:
    """The stored values of the field ``key``, in batches; deleted records too unless
    ``live_only``."""
    path = value_path(key)
    query: dict[str, Any] = {path: {"$exists": True}}
    if live_only:
        query["deleted"] = {"$ne": True}
    projection = {"crm_id": 1, "deleted": 1, path: 1}
    async for batch in scan(tenant_id, entity, query, projection):
        yield [
            StoredValue(
                record_id=row["_id"],
                crm_id=row["crm_id"],
                deleted=bool(row.get("deleted")),
                value=row["custom"][key],
            )
            for row in batch
        ]
