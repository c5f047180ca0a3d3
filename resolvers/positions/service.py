"""Contact positions (R6): names unique per company (ignoring case and accents), deletion refused
while contacts hold the position."""

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from models.errors import NotFound, Validator
from models.position import Position, in_name_order
from models.timestamps import utcnow
from models.values import check_name, name_key
from resolvers.common.conflicts import name_taken
from resolvers.common.inputs import given, refuse_nulls
from resolvers.contact_options.in_use import refuse_if_used
from resolvers.positions.inputs import CreatePositionInput, UpdatePositionInput


async def list_positions(tenant_id: PydanticObjectId) -> list[Position]:
    return in_name_order(await Position.find({"tenant_id": tenant_id}).to_list())


async def get_position(tenant_id: PydanticObjectId, position_id: PydanticObjectId) -> Position:
    position = await Position.find_one({"tenant_id": tenant_id, "_id": position_id})
    if position is None:
        raise NotFound("Position", position_id)
    return position


async def create_position(tenant_id: PydanticObjectId, data: CreatePositionInput) -> Position:
    v = Validator()
    name = check_name(v, data.name, "input.name")
    v.raise_if_any()
    position = Position(tenant_id=tenant_id, name=name, name_key=name_key(name))
    try:
        await position.insert()
    except DuplicateKeyError as error:
        raise await name_taken(
            Position, {"tenant_id": tenant_id}, position.name_key, "position"
        ) from error
    return position


async def update_position(
    tenant_id: PydanticObjectId, position_id: PydanticObjectId, data: UpdatePositionInput
) -> Position:
    position = await get_position(tenant_id, position_id)
    v = Validator()
    refuse_nulls(v, data, ("name",))
    v.raise_if_any()
    if not given(data.name):
        return position
    name = check_name(v, data.name, "input.name")
    v.raise_if_any()
    changes = {"name": name, "name_key": name_key(name), "updated_at": utcnow()}
    try:
        row = await Position.get_pymongo_collection().find_one_and_update(
            {"tenant_id": tenant_id, "_id": position_id},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError as error:
        raise await name_taken(
            Position, {"tenant_id": tenant_id}, changes["name_key"], "position"
        ) from error
    if row is None:  # deleted meanwhile
        raise NotFound("Position", position_id)
    return Position.model_validate(row)


async def delete_position(tenant_id: PydanticObjectId, position_id: PydanticObjectId) -> Position:
    """Deletes a position no contact holds and returns it as it was (see ``in_use``)."""
    await get_position(tenant_id, position_id)
    await refuse_if_used(tenant_id, "position_id", position_id, "position")
    row = await Position.get_pymongo_collection().find_one_and_delete(
        {"tenant_id": tenant_id, "_id": position_id}
    )
    if row is None:  # deleted meanwhile
        raise NotFound("Position", position_id)
    return Position.model_validate(row)
