"""Custom field definitions (R5): what a company adds to its contacts and organizations."""

from datetime import datetime
from enum import StrEnum

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from models.field_order import field_order_key
from models.timestamps import utcnow


class FieldEntity(StrEnum):
    CONTACT = "CONTACT"
    ORGANIZATION = "ORGANIZATION"


class FieldType(StrEnum):
    TEXT = "TEXT"
    LONG_TEXT = "LONG_TEXT"
    SELECT = "SELECT"
    MULTI_SELECT = "MULTI_SELECT"
    DECIMAL = "DECIMAL"
    FLAG = "FLAG"
    INTEGER = "INTEGER"
    DATE = "DATE"
    URL = "URL"


CHOICE_TYPES = frozenset({FieldType.SELECT, FieldType.MULTI_SELECT})
NUMERIC_TYPES = frozenset({FieldType.DECIMAL, FieldType.INTEGER})


class FieldDefinition(Document):
    tenant_id: PydanticObjectId
    entity: FieldEntity
    name: str
    # The GraphQL name of the field; immutable, because clients' queries name it.
    key: str
    type: FieldType
    options: list[str] = Field(default_factory=list)
    position: int | None = None
    searchable: bool = False
    unique: bool = False
    required: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "field_definitions"
        indexes = [
            IndexModel(
                [("tenant_id", ASCENDING), ("entity", ASCENDING), ("key", ASCENDING)], unique=True
            )
        ]

    @property
    def order_key(self) -> tuple[bool, int, str]:
        return field_order_key(self.position, self.name)


def in_r5_order(definitions: list[FieldDefinition]) -> list[FieldDefinition]:
    """Position ascending, no position last, equal positions by name in Polish order."""
    return sorted(definitions, key=lambda d: d.order_key)
