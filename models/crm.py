"""CRM configurations (R2): a named contact base of one backend kind with its settings.

Each backend kind is a small pydantic model. Its fields are the kind's settings, and their
annotations carry the rules the API needs to handle every kind the same way: a ``StoredSecret``
field is a write-only secret, a :data:`Url` or :data:`UrlTemplate` field holds a URL, and a
:data:`SecretUrl` is both (stored encrypted, shown masked). Every URL keeps to the outbound rules
(``app/outbound.py``).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import BaseModel, Field, model_validator
from pymongo import ASCENDING, IndexModel

from models.crm_lists import AcquisitionSource, Stage, system_sources
from models.secret import StoredSecret
from models.segmentation import Segmentation
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


@dataclass(frozen=True)
class UrlSetting:
    """Marks a backend setting that holds a URL; ``template`` allows ``{placeholders}``."""

    template: bool = False


# Texts and URLs of settings are bounded: they are stored and shown, never meant to be long.
MAX_SETTING_LENGTH = 4000

Url = Annotated[str | None, UrlSetting()]
UrlTemplate = Annotated[str | None, UrlSetting(template=True)]
SecretUrl = Annotated[StoredSecret | None, UrlSetting()]


class BackendSettings(BaseModel):
    """The settings of one backend kind: the fields of a subclass, besides its ``kind``."""

    kind: BackendKind

    @classmethod
    def setting_names(cls) -> list[str]:
        return [name for name in cls.model_fields if name != "kind"]

    @classmethod
    def is_secret(cls, name: str) -> bool:
        return StoredSecret in get_args(cls.model_fields[name].annotation)

    @classmethod
    def is_nullable(cls, name: str) -> bool:
        return type(None) in get_args(cls.model_fields[name].annotation)

    @classmethod
    def url_rule(cls, name: str) -> UrlSetting | None:
        """How a setting's URL is checked, or None when the setting is not a URL."""
        metadata = cls.model_fields[name].metadata
        return next((m for m in metadata if isinstance(m, UrlSetting)), None)


class LocalBackend(BackendSettings):
    kind: Literal[BackendKind.LOCAL] = BackendKind.LOCAL
    default_organization_region: OrganizationRegion = OrganizationRegion.PL


class HubspotBackend(BackendSettings):
    kind: Literal[BackendKind.HUBSPOT] = BackendKind.HUBSPOT
    access_token: StoredSecret | None = None


class ZammadBackend(BackendSettings):
    kind: Literal[BackendKind.ZAMMAD] = BackendKind.ZAMMAD
    cti_push_enabled: bool = False
    # ``https://{fqdn}/api/v1/cti/{token}``: the token is Zammad's only check of the caller.
    cti_endpoint_url: SecretUrl = None
    zammad_url: Url = None
    user_token: StoredSecret | None = None


class LivespaceBackend(BackendSettings):
    kind: Literal[BackendKind.LIVESPACE] = BackendKind.LIVESPACE
    api_url: Url = None
    api_key: StoredSecret | None = None
    api_secret: StoredSecret | None = None
    log_events: bool = False


class SalesforceBackend(BackendSettings):
    kind: Literal[BackendKind.SALESFORCE] = BackendKind.SALESFORCE
    api_url: Url = None
    consumer_key: StoredSecret | None = None
    consumer_secret: StoredSecret | None = None
    log_events: bool = False


class DynamicsBackend(BackendSettings):
    kind: Literal[BackendKind.DYNAMICS] = BackendKind.DYNAMICS
    tenant_name: str | None = None
    url: Url = None
    application_id: str | None = None
    application_secret: StoredSecret | None = None
    log_events: bool = False


class CustomBackend(BackendSettings):
    """R2.3 CUSTOM (interpretation): an external system pushes contacts in through the API."""

    kind: Literal[BackendKind.CUSTOM] = BackendKind.CUSTOM
    source_system: str | None = None


class CustomExtBackend(BackendSettings):
    """R2.3 CUSTOM_EXT: a lookup URL and a profile link, both templated (``{phone}``, ``{id}``)."""

    kind: Literal[BackendKind.CUSTOM_EXT] = BackendKind.CUSTOM_EXT
    url: UrlTemplate = None
    profile_url: UrlTemplate = None


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

# The model of each kind, read off the union so that a new kind is declared in one place.
BACKEND_MODELS: dict[BackendKind, type[BackendSettings]] = {
    model.model_fields["kind"].default: model for model in get_args(get_args(Backend)[0])
}


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

MIN_SYNC_INTERVAL_MINUTES = 5
MAX_SYNC_INTERVAL_MINUTES = 24 * 60


class ContactSync(BaseModel):
    """R2.3 "Synchronizacja kontaktów": periodic copy of an external base's contacts."""

    enabled: bool = False
    interval_minutes: int = 60


class Crm(Document):
    tenant_id: PydanticObjectId
    name: str
    name_key: str
    show_phone_identification_fields: bool = False
    backend: Backend = Field(default_factory=LocalBackend)
    contact_sync: ContactSync = Field(default_factory=ContactSync)
    stages: list[Stage] = Field(default_factory=list)
    # R9: every way of creating a CRM gets the system sources from this default.
    acquisition_sources: list[AcquisitionSource] = Field(default_factory=system_sources)
    # R8: definitions and classifiers, and the state of the recomputation of the contacts.
    segmentation: Segmentation = Field(default_factory=Segmentation)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @model_validator(mode="before")
    @classmethod
    def _sources_of_older_documents(cls, data: Any) -> Any:
        """A CRM stored before sources existed has the system sources too, with ids derived
        from its own, so that they stay the same from read to read until they are stored."""
        if not isinstance(data, dict) or "acquisition_sources" in data:
            return data
        crm_id = data.get("_id", data.get("id"))
        if crm_id is None:
            return data
        return {**data, "acquisition_sources": system_sources(ObjectId(str(crm_id)))}

    class Settings:
        name = "crms"
        indexes = [IndexModel([("tenant_id", ASCENDING), ("name_key", ASCENDING)], unique=True)]
