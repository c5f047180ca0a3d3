"""Projects (R3.1): a CRM assigned to a team of users."""

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from models.timestamps import utcnow


class Project(Document):
    tenant_id: PydanticObjectId
    name: str
    name_key: str
    crm_id: PydanticObjectId | None = None
    member_ids: list[PydanticObjectId] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "projects"
        indexes = [
            IndexModel([("tenant_id", ASCENDING), ("name_key", ASCENDING)], unique=True),
            IndexModel([("tenant_id", ASCENDING), ("member_ids", ASCENDING)]),
            IndexModel([("tenant_id", ASCENDING), ("crm_id", ASCENDING)]),
        ]
