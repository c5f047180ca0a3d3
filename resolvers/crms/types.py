"""GraphQL types of CRM configurations (R2).

The backend is an interface with one implementation per kind. Each implementation has the fields
of its kind's model (``models.crm``), with every secret shown as a :class:`SecretStatus` only:
:func:`backend_from_model` builds them all the same way, so a setting added to a model and not
here fails loudly instead of being dropped or leaked.
"""

from datetime import datetime

import strawberry

from models.crm import BackendKind, BackendSettings
from models.crm import ContactSync as ContactSyncModel
from models.crm import Crm as CrmModel
from models.crm import OrganizationRegion as OrganizationRegionModel
from resolvers.common.secret import SecretStatus, secret_status
from resolvers.sources.types import AcquisitionSource, sources_of
from resolvers.stages.types import Stage, stages_of

CrmBackendKind = strawberry.enum(BackendKind, name="CrmBackendKind")
OrganizationRegion = strawberry.enum(
    OrganizationRegionModel,
    description="Where organizations are looked up: PL by NIP, EU by VAT ID.",
)


@strawberry.interface(description="Where a CRM's contacts live, with that kind's settings.")
class CrmBackend:
    kind: CrmBackendKind


@strawberry.type(description="The contacts live in this service.")
class LocalCrmBackend(CrmBackend):
    default_organization_region: OrganizationRegion


@strawberry.type
class HubspotCrmBackend(CrmBackend):
    access_token: SecretStatus


@strawberry.type
class ZammadCrmBackend(CrmBackend):
    cti_push_enabled: bool
    cti_endpoint_url: str | None
    zammad_url: str | None
    user_token: SecretStatus


@strawberry.type
class LivespaceCrmBackend(CrmBackend):
    api_url: str | None
    api_key: SecretStatus
    api_secret: SecretStatus
    log_events: bool


@strawberry.type
class SalesforceCrmBackend(CrmBackend):
    api_url: str | None
    consumer_key: SecretStatus
    consumer_secret: SecretStatus
    log_events: bool


@strawberry.type(description="Microsoft Dynamics.")
class DynamicsCrmBackend(CrmBackend):
    tenant_name: str | None
    url: str | None
    application_id: str | None
    application_secret: SecretStatus
    log_events: bool


@strawberry.type(description="Contacts pushed into this service by an external system's API calls.")
class CustomCrmBackend(CrmBackend):
    source_system: str | None


@strawberry.type(description="An external lookup; URLs may hold {phone} and {id} placeholders.")
class CustomExtCrmBackend(CrmBackend):
    url: str | None
    profile_url: str | None


BACKEND_TYPES: dict[BackendKind, type[CrmBackend]] = {
    BackendKind.LOCAL: LocalCrmBackend,
    BackendKind.HUBSPOT: HubspotCrmBackend,
    BackendKind.ZAMMAD: ZammadCrmBackend,
    BackendKind.LIVESPACE: LivespaceCrmBackend,
    BackendKind.SALESFORCE: SalesforceCrmBackend,
    BackendKind.DYNAMICS: DynamicsCrmBackend,
    BackendKind.CUSTOM: CustomCrmBackend,
    BackendKind.CUSTOM_EXT: CustomExtCrmBackend,
}


def backend_from_model(backend: BackendSettings) -> CrmBackend:
    values = {
        name: secret_status(value) if backend.is_secret(name) else value for name, value in backend
    }
    return BACKEND_TYPES[backend.kind](**values)


@strawberry.type(
    description="R2.3: periodic copy of an external base's contacts into this service."
)
class ContactSync:
    enabled: bool
    interval_minutes: int

    @classmethod
    def from_model(cls, sync: ContactSyncModel) -> "ContactSync":
        return cls(enabled=sync.enabled, interval_minutes=sync.interval_minutes)


@strawberry.type(description="A CRM configuration: a contact base of one backend kind.")
class Crm:
    id: strawberry.ID
    name: str
    show_phone_identification_fields: bool
    backend: CrmBackend
    contact_sync: ContactSync
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[CrmModel]

    @strawberry.field(description="R7: the stages, by kanbanPosition (none last), then name.")
    def stages(self) -> list[Stage]:
        return stages_of(self.model)

    @strawberry.field(description="R9: the acquisition sources, the system ones first.")
    def acquisition_sources(self) -> list[AcquisitionSource]:
        return sources_of(self.model)

    @classmethod
    def from_model(cls, crm: CrmModel) -> "Crm":
        return cls(
            id=strawberry.ID(str(crm.id)),
            name=crm.name,
            show_phone_identification_fields=crm.show_phone_identification_fields,
            backend=backend_from_model(crm.backend),
            contact_sync=ContactSync.from_model(crm.contact_sync),
            created_at=crm.created_at,
            updated_at=crm.updated_at,
            model=crm,
        )
