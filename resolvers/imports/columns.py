"""The allowed columns of a company's contact imports: natives and its custom contact fields."""

from beanie import PydanticObjectId

from models.field_definition import FieldDefinition, FieldEntity
from models.import_columns import ImportColumnSpec, catalogue
from resolvers.fields.definitions import definitions_of


async def contact_definitions(tenant_id: PydanticObjectId) -> list[FieldDefinition]:
    return await definitions_of(tenant_id, FieldEntity.CONTACT)


async def import_columns(tenant_id: PydanticObjectId) -> list[ImportColumnSpec]:
    return catalogue(await contact_definitions(tenant_id))
