"""Inputs of custom field definitions."""

import strawberry

from models.field_rules import MAX_OPTIONS
from resolvers.fields.types import FieldEntity, FieldType

OPTIONS = f"SELECT and MULTI_SELECT only: distinct, non-empty, at most {MAX_OPTIONS}."


@strawberry.input
class CreateFieldDefinitionInput:
    entity: FieldEntity
    name: str
    key: str | None = strawberry.field(
        default=None,
        description="The GraphQL name; derived from the name when not given. Never changes.",
    )
    type: FieldType
    options: list[str] | None = strawberry.field(default=None, description=OPTIONS)
    position: int | None = None
    searchable: bool = strawberry.field(default=False, description="Not for LONG_TEXT fields.")
    unique: bool = strawberry.field(
        default=False, description="Not for LONG_TEXT, MULTI_SELECT and FLAG fields."
    )
    required: bool = False


@strawberry.input(description="Only the fields given change; the key never does.")
class UpdateFieldDefinitionInput:
    name: str | None = strawberry.UNSET
    type: FieldType | None = strawberry.field(
        default=strawberry.UNSET,
        description="Stored values are converted; refused while any of them would not convert.",
    )
    options: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"{OPTIONS} Options that stored values use cannot be removed.",
    )
    position: int | None = strawberry.field(
        default=strawberry.UNSET, description="null: no position (the field goes last)."
    )
    searchable: bool | None = strawberry.UNSET
    unique: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Turning it on is refused while records of a CRM share a value.",
    )
    required: bool | None = strawberry.UNSET
