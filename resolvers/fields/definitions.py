"""Reading a company's field definitions."""

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from models.errors import NotFound
from models.field_definition import FieldDefinition, FieldEntity, in_r5_order


async def definitions_of(
    tenant_id: PydanticObjectId, entity: FieldEntity, session: AsyncClientSession | None = None
) -> list[FieldDefinition]:
    """The company's definitions of ``entity`` in R5 order (``session``: read in its
    transaction)."""
    found = await FieldDefinition.find(
        {"tenant_id": tenant_id, "entity": entity}, session=session
    ).to_list()
    return in_r5_order(found)


async def get_definition(
    tenant_id: PydanticObjectId, definition_id: PydanticObjectId
) -> FieldDefinition:
    """Another company's definition answers exactly like one that does not exist."""
    definition = await FieldDefinition.find_one({"tenant_id": tenant_id, "_id": definition_id})
    if definition is None:
        raise NotFound("FieldDefinition", definition_id)
    return definition
