"""Users of a company (R3) and their roles and permissions."""

from datetime import datetime
from enum import StrEnum

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from models.timestamps import utcnow


class Role(StrEnum):
    ADMIN = "ADMIN"
    SUPERVISOR = "SUPERVISOR"
    AGENT = "AGENT"


class Permission(StrEnum):
    DIAL = "DIAL"
    # Reports calls for the company (the telephony side's account; `crm token --telephony`).
    TELEPHONY = "TELEPHONY"


class User(Document):
    tenant_id: PydanticObjectId
    # Stored lower-cased: emails are unique across the whole service, they are the login.
    email: str
    display_name: str
    roles: list[Role] = Field(default_factory=list)
    permissions: list[Permission] = Field(default_factory=list)
    password_hash: str | None = None
    active: bool = True
    # Carried in the user's tokens; bumped on a password change and a deactivation, so that the
    # tokens issued before stop working (app/authenticator.py).
    token_version: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "users"
        indexes = [
            IndexModel([("email", ASCENDING)], unique=True),
            IndexModel([("tenant_id", ASCENDING), ("email", ASCENDING)]),
        ]

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles
