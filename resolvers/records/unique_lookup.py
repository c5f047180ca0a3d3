"""Finds a live record of a CRM by the value of one of its unique fields, on the unique index."""

from typing import Any

from beanie import PydanticObjectId
from strawberry import UNSET

from models.contact_keys import encode_value
from models.custom_values import InvalidValue, from_stored, to_stored
from models.errors import NotFound, ValidationFailed
from models.sortable import entry
from resolvers.generated.custom_types import EntityTypes, attribute


def given_id(by: Any) -> str | None:
    value = getattr(by, attribute("id"), UNSET)
    return None if value in (UNSET, None) else value


async def find_by_unique_value(
    collection: Any, crm_id: PydanticObjectId, fields: EntityTypes, by: Any, what: str
) -> dict[str, Any]:
    """``by`` is a ``…UniqueKey`` (@oneOf) whose one member, other than ``id``, is given."""
    definition, value = next(
        (d, getattr(by, attribute(d.key)))
        for d in fields.definitions
        if d.unique and getattr(by, attribute(d.key), UNSET) not in (UNSET, None)
    )
    try:
        stored = to_stored(definition, value)
    except InvalidValue as error:
        raise ValidationFailed.single(f"by.{definition.key}", str(error)) from error
    probe = entry(
        definition.key, encode_value(definition.type, from_stored(definition.type, stored))
    )
    # Flat and covered by the ``unique_lookup`` index: found from the index on every engine.
    row = await collection.find_one({"crm_id": crm_id, "deleted": False, "uniq": probe})
    if row is None:
        raise NotFound(what, f"{definition.key}={value}")
    return row
