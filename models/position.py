"""Contact positions (R6): named positions (CEO, Sales manager) a company declares for contacts."""

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from models.polish_order import polish_sort_key
from models.timestamps import utcnow


class Position(Document):
    tenant_id: PydanticObjectId
    name: str
    name_key: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "positions"
        indexes = [IndexModel([("tenant_id", ASCENDING), ("name_key", ASCENDING)], unique=True)]


def in_name_order(positions: list[Position]) -> list[Position]:
    """Polish alphabetical order; a company declares few positions, so they are sorted here."""
    return sorted(positions, key=lambda p: polish_sort_key(p.name))
