"""GraphQL types of custom field definitions (R5)."""

import strawberry

from models.field_definition import FieldDefinition as FieldDefinitionModel
from models.field_definition import FieldEntity as FieldEntityModel
from models.field_definition import FieldType as FieldTypeModel

FieldEntity = strawberry.enum(
    FieldEntityModel, name="FieldEntity", description="What a custom field extends."
)
FieldType = strawberry.enum(
    FieldTypeModel,
    name="FieldType",
    description="The kind of value a custom field holds. SELECT holds one of the options, "
    "MULTI_SELECT any of them.",
)


@strawberry.type(description="A custom field of contacts or organizations.")
class FieldDefinition:
    id: strawberry.ID
    entity: FieldEntity
    name: str
    key: str = strawberry.field(
        description="The field's name in the generated schema (`custom { <key> }`); never changes."
    )
    type: FieldType
    options: list[str] = strawberry.field(description="SELECT and MULTI_SELECT only.")
    position: int | None = strawberry.field(
        description="Fields are ordered by position; those without one come last, ties by name."
    )
    searchable: bool = strawberry.field(description="Records can be filtered by this field.")
    unique: bool = strawberry.field(description="No two records of a CRM hold the same value.")
    required: bool = strawberry.field(description="A record cannot be added without a value.")

    @classmethod
    def from_model(cls, definition: FieldDefinitionModel) -> "FieldDefinition":
        return cls(
            id=strawberry.ID(str(definition.id)),
            entity=definition.entity,
            name=definition.name,
            key=definition.key,
            type=definition.type,
            options=list(definition.options),
            position=definition.position,
            searchable=definition.searchable,
            unique=definition.unique,
            required=definition.required,
        )
