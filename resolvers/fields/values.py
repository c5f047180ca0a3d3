"""Bulk changes of the stored values of one field: converting them on a type change, removing
them with their definition."""

import logging

from beanie import PydanticObjectId
from pymongo import UpdateOne

from models.custom_values import InvalidValue, convert
from models.field_definition import FieldDefinition
from resolvers.fields.records import records_of, stored_values, value_path

log = logging.getLogger(__name__)


async def convert_values(
    tenant_id: PydanticObjectId, source: FieldDefinition, target: FieldDefinition
) -> None:
    """Re-stores every value of the field (deleted records included) as ``target`` has them.

    The type change was refused unless every value converted; a value written with the old type
    between that check and the definition's change (a narrow race) is left as it is, and logged.
    """
    path = value_path(source.key)
    collection = records_of(source.entity)
    async for batch in stored_values(tenant_id, source.entity, source.key):
        updates = []
        for stored in batch:
            try:
                value = convert(stored.value, source, target)
            except InvalidValue:
                log.warning("value of %s on %s left unconverted", path, stored.record_id)
                continue
            change = {"$set": {path: value}} if value is not None else {"$unset": {path: ""}}
            updates.append(UpdateOne({"_id": stored.record_id, "tenant_id": tenant_id}, change))
        if updates:
            await collection.bulk_write(updates, ordered=False)


async def remove_values(tenant_id: PydanticObjectId, definition: FieldDefinition) -> None:
    path = value_path(definition.key)
    await records_of(definition.entity).update_many(
        {"tenant_id": tenant_id, path: {"$exists": True}}, {"$unset": {path: ""}}
    )
