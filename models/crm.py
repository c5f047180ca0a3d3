"""CRM configurations (R2): a named contact base of one backend kind with its settings."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from models.secret import StoredSecret
from models.timestamps import utcnow


class BackendKind(StrEnum):
    LOCAL = "LOCAL"
    HUBSPOT = "HUBSPOT"
    ZAMMAD = "ZAMMAD"
    LIVESPACE = "LIVESPACE"
    SALESFORCE = "SALESFORCE"
    DYNAMICS = "DYNAMICS"
    CUSTOM = "CUSTOM"
    CUSTOM_EXT = "CUSTOM_EXT"


class OrganizationRegion(StrEnum):
    PL = "PL"
    EU = "EU"


class LocalBackend(BaseModel):
    kind: Literal[BackendKind.LOCAL] = BackendKind.LOCAL
    default_organization_region: OrganizationRegion = OrganizationRegion.PL


class HubspotBackend(BaseModel):
    kind: Literal[BackendKind.HUBSPOT] = BackendKind.HUBSPOT
    access_token: StoredSecret | None = None


class ZammadBackend(BaseModel):
    kind: Literal[BackendKind.ZAMMAD] = BackendKind.ZAMMAD
    cti_push_enabled: bool = False
    cti_endpoint_url: str | None = None
    zammad_url: str | None = None
    user_token: StoredSecret | None = None


class LivespaceBackend(BaseModel):
    kind: Literal[BackendKind.LIVESPACE] = BackendKind.LIVESPACE
    api_url: str | None = None
    api_key: StoredSecret | None = None
    api_secret: StoredSecret | None = None
    log_events: bool = False


class SalesforceBackend(BaseModel):
    kind: Literal[BackendKind.SALESFORCE] = BackendKind.SALESFORCE
    api_url: str | None = None
    consumer_key: StoredSecret | None = None
    consumer_secret: StoredSecret | None = None
    log_events: bool = False


class DynamicsBackend(BaseModel):
    kind: Literal[BackendKind.DYNAMICS] = BackendKind.DYNAMICS
    tenant_name: str | None = None
    url: str | None = None
    application_id: str | None = None
    application_secret: StoredSecret | None = None
    log_events: bool = False


class CustomBackend(BaseModel):
    """R2.3 CUSTOM (interpretation): an external system pushes contacts in through the API."""

    kind: Literal[BackendKind.CUSTOM] = BackendKind.CUSTOM
    source_system: str | None = None


class CustomExtBackend(BaseModel):
    """R2.3 CUSTOM_EXT: a lookup URL and a profile link, both templated (``{phone}``, ``{id}``)."""

    kind: Literal[BackendKind.CUSTOM_EXT] = BackendKind.CUSTOM_EXT
    url: str | None = None
    profile_url: str | None = None


Backend = Annotated[
    LocalBackend
    | HubspotBackend
    | ZammadBackend
    | LivespaceBackend
    | SalesforceBackend
    | DynamicsBackend
    | CustomBackend
    | CustomExtBackend,
    Field(discriminator="kind"),
]

# Kinds whose contacts live elsewhere: only these can be synchronized into this service.
SYNCABLE_KINDS = frozenset(
    {
        BackendKind.HUBSPOT,
        BackendKind.ZAMMAD,
        BackendKind.LIVESPACE,
        BackendKind.SALESFORCE,
        BackendKind.DYNAMICS,
    }
)


class ContactSync(BaseModel):
    enabled: bool = False
    interval_minutes: int = 60


class Crm(Document):
    tenant_id: PydanticObjectId
    name: str
    name_key: str
    show_phone_identification_fields: bool = False
    backend: Backend = Field(default_factory=LocalBackend)
    contact_sync: ContactSync = Field(default_factory=ContactSync)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "crms"
        indexes = [IndexModel([("tenant_id", ASCENDING), ("name_key", ASCENDING)], unique=True)]
