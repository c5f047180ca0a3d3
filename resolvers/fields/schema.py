"""Root fields of custom field definitions (R5): ``fieldDefinitions`` for every user of the
company; creating, changing and deleting them, and the list-view toggles, for admins (R3.2).
All of them are refused while the company's CRM is off (R1.1)."""

import strawberry

from resolvers.common.ids import parse_id
from resolvers.context import Info
from resolvers.fields import service
from resolvers.fields.definitions import definitions_of
from resolvers.fields.inputs import CreateFieldDefinitionInput, UpdateFieldDefinitionInput
from resolvers.fields.types import FieldDefinition, FieldEntity

WHAT = "FieldDefinition"


@strawberry.type
class FieldDefinitionQuery:
    @strawberry.field(
        description="The company's custom fields of an entity: by position, those without one "
        "last, equal positions by name in Polish alphabetical order."
    )
    async def field_definitions(self, info: Info, entity: FieldEntity) -> list[FieldDefinition]:
        info.context.require_crm_enabled()
        definitions = await definitions_of(info.context.tenant_id, entity)
        return [FieldDefinition.from_model(definition) for definition in definitions]


@strawberry.type
class FieldDefinitionMutation:
    @strawberry.mutation(description="Adds a custom field (admins).")
    async def create_field_definition(
        self, info: Info, input: CreateFieldDefinitionInput
    ) -> FieldDefinition:
        tenant_id = info.context.configuring()
        return FieldDefinition.from_model(await service.create_definition(tenant_id, input))

    @strawberry.mutation(description="Changes only the fields given (admins).")
    async def update_field_definition(
        self, info: Info, id: strawberry.ID, input: UpdateFieldDefinitionInput
    ) -> FieldDefinition:
        tenant_id = info.context.configuring()
        definition_id = parse_id(id, WHAT)
        definition = await service.update_definition(tenant_id, definition_id, input)
        return FieldDefinition.from_model(definition)

    @strawberry.mutation(
        description="Deletes a custom field and every value of it (admins); returns it as it was."
    )
    async def delete_field_definition(self, info: Info, id: strawberry.ID) -> FieldDefinition:
        tenant_id = info.context.configuring()
        definition = await service.delete_definition(tenant_id, parse_id(id, WHAT))
        return FieldDefinition.from_model(definition)

    @strawberry.mutation(description="The list view's toggle of `searchable` (admins).")
    async def set_field_searchable(
        self, info: Info, id: strawberry.ID, searchable: bool
    ) -> FieldDefinition:
        tenant_id = info.context.configuring()
        change = UpdateFieldDefinitionInput(searchable=searchable)
        definition = await service.update_definition(tenant_id, parse_id(id, WHAT), change, None)
        return FieldDefinition.from_model(definition)

    @strawberry.mutation(
        description="The list view's toggle of `unique` (admins); turning it on is refused, "
        "listing the duplicates, while records of a CRM share a value."
    )
    async def set_field_unique(
        self, info: Info, id: strawberry.ID, unique: bool
    ) -> FieldDefinition:
        tenant_id = info.context.configuring()
        change = UpdateFieldDefinitionInput(unique=unique)
        definition = await service.update_definition(tenant_id, parse_id(id, WHAT), change, None)
        return FieldDefinition.from_model(definition)
