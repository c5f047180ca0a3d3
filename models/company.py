"""A company: one tenant, with its CRM settings (R1)."""

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from models.secret import StoredSecret
from models.timestamps import utcnow


class LdapSettings(BaseModel):
    """R1.5 (interpretation): the directory users of the company can authenticate against."""

    enabled: bool = False
    url: str | None = None
    base_dn: str | None = None
    bind_dn: str | None = None
    bind_password: StoredSecret | None = None
    user_filter: str | None = None


class CompanySettings(BaseModel):
    crm_enabled: bool = True
    restricted_crm: bool = False
    default_crm_id: PydanticObjectId | None = None
    caller_id_authentication: bool = False
    default_phone_region: str = "PL"
    ldap: LdapSettings = Field(default_factory=LdapSettings)


class Company(Document):
    name: str
    name_key: str
    settings: CompanySettings = Field(default_factory=CompanySettings)
    # Bumped on every change of the company's field definitions: it keys the schema cache.
    fields_version: int = 0
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "companies"
        indexes = [IndexModel([("name_key", ASCENDING)], unique=True)]
