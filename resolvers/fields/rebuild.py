"""Rebuilds the derived, indexed keys (``sk``, ``uniq``, ...) of a company's records in bulk.

Used when a definition changes in a way the keys depend on (searchable, unique, type) or goes
away. It runs inside the request for now: about 1,000 records per round trip (one read, one
``bulk_write``), which is fine for companies of some ten thousand records. For larger ones it
should become a background job, and since ``app/`` may not import ``resolvers/``, this module
would then move below ``app/`` (or to ``models/``), unchanged.
"""

from collections.abc import Sequence
from typing import Any

from beanie import PydanticObjectId
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from models.contact_keys import derive_contact, derive_organization, searched_organization_name
from models.field_definition import FieldDefinition, FieldEntity
from resolvers.fields.definitions import definitions_of
from resolvers.fields.records import records_of, scan, value_path

# The derived keys themselves are all a rebuild does not read (they are also the bulky part).
_NOT_READ = {"name_sort": 0, "sk": 0, "uniq": 0, "kw": 0, "phone_keys": 0}


async def _organization_names(
    tenant_id: PydanticObjectId, documents: Sequence[dict[str, Any]]
) -> dict[Any, str]:
    ids = list({d["organization_id"] for d in documents if d.get("organization_id") is not None})
    if not ids:
        return {}
    rows = (
        await records_of(FieldEntity.ORGANIZATION)
        .find({"tenant_id": tenant_id, "_id": {"$in": ids}}, {"name": 1, "deleted": 1})
        .to_list()
    )
    return {row["_id"]: searched_organization_name(row) for row in rows}


async def _derived(
    tenant_id: PydanticObjectId,
    entity: FieldEntity,
    documents: Sequence[dict[str, Any]],
    definitions: Sequence[FieldDefinition],
) -> list[dict[str, Any]]:
    if entity is FieldEntity.ORGANIZATION:
        return [derive_organization(document, definitions) for document in documents]
    names = await _organization_names(tenant_id, documents)
    return [
        derive_contact(document, definitions, names.get(document.get("organization_id")))
        for document in documents
    ]


def _update(tenant_id: PydanticObjectId, document: dict[str, Any], keys: dict[str, Any]) -> Any:
    """Sets the keys. A deleted record holds no unique values (as the records' own writes do),
    so that a live record may take them over; ``uniq`` is never an empty array (they collide)."""
    if document.get("deleted"):
        keys.pop("uniq", None)
    update: dict[str, Any] = {"$set": keys}
    if "uniq" not in keys:
        update["$unset"] = {"uniq": ""}
    return UpdateOne({"_id": document["_id"], "tenant_id": tenant_id}, update)


async def rebuild_derived_keys(
    tenant_id: PydanticObjectId, entity: FieldEntity, *, holding: str | None = None
) -> int:
    """Recomputes the derived keys of the company's records of ``entity`` from their stored
    fields and the current definitions; with ``holding``, only of the records holding a value of
    that key (no other record's keys depend on it). Returns how many records were rewritten.

    A unique value two live records of a CRM share makes the unique index refuse those records:
    the first such ``BulkWriteError`` is raised once every other record has been rewritten.
    """
    definitions = await definitions_of(tenant_id, entity)
    query = {value_path(holding): {"$exists": True}} if holding is not None else {}
    collection = records_of(entity)
    rewritten = 0
    refused: BulkWriteError | None = None
    async for batch in scan(tenant_id, entity, query, _NOT_READ):
        derived = await _derived(tenant_id, entity, batch, definitions)
        updates = [_update(tenant_id, d, keys) for d, keys in zip(batch, derived, strict=True)]
        try:
            result = await collection.bulk_write(updates, ordered=False)
            rewritten += result.matched_count
        except BulkWriteError as error:
            refused = refused or error
            rewritten += error.details.get("nMatched", 0)
    if refused is not None:
        raise refused
    return rewritten
