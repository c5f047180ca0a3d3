"""GraphQL types of CRM configurations (R2).

The backend is an interface with one implementation per kind. Each implementation has the fields
of its kind's model (``models.crm``), with every secret shown as a :class:`SecretStatus` only
(a secret URL: masked): :func:`backend_from_model` builds them all the same way, so a setting
added to a model and not here fails loudly instead of being dropped or leaked.

The settings are for admins: anyone else reads a :class:`RestrictedCrmBackend`, the kind only
(``Crm.backend`` stays non-null, and a fragment on a kind's type selects nothing).
"""

from datetime import datetime

import strawberry

from models.crm import BackendKind, BackendSettings
from models.crm import ContactSync as ContactSyncModel
from models.crm import Crm as CrmModel
from models.crm import OrganizationRegion as OrganizationRegionModel
from models.crm_deletion import CrmDeletion as CrmDeletionModel
from models.secret import StoredSecret
from resolvers.common.secret import SecretStatus, secret_status
from resolvers.context import Context, Info
from resolvers.imports.types import JobStatus
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


@strawberry.type(
    description="A CRM's backend as non-admins see it: the kind; its settings are for admins."
)
class RestrictedCrmBackend(CrmBackend):
    pass


@strawberry.type(description="The contacts live in this service.")
class LocalCrmBackend(CrmBackend):
    default_organization_region: OrganizationRegion


@strawberry.type
class HubspotCrmBackend(CrmBackend):
    access_token: SecretStatus


@strawberry.type
class ZammadCrmBackend(CrmBackend):
    cti_push_enabled: bool
    cti_endpoint_url: str | None = strawberry.field(
        description="Write-only like every secret (its path holds Zammad's token): shown masked, "
        "https://host/api/v1/cti/**** and the token's last four characters when it has 12 or more."
    )
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


def _shown(backend: BackendSettings, name: str, value: object) -> object:
    """A setting as the API shows it: a secret as its status, a secret URL masked."""
    if not backend.is_secret(name):
        return value
    assert value is None or isinstance(value, StoredSecret)
    if backend.url_rule(name) is not None:
        return None if value is None else value.masked_url
    return secret_status(value)


def backend_from_model(backend: BackendSettings) -> CrmBackend:
    values = {name: _shown(backend, name, value) for name, value in backend}
    return BACKEND_TYPES[backend.kind](**values)


def sees_crm_settings(context: Context) -> bool:
    """CRM backend settings, and the detail of what a CRM answered, are for admins."""
    user = context.principal.user
    return user is not None and user.is_admin


@strawberry.type(description="A periodic copy of an external base's contacts into this service.")
class ContactSync:
    enabled: bool
    interval_minutes: int

    @classmethod
    def from_model(cls, sync: ContactSyncModel) -> "ContactSync":
        return cls(enabled=sync.enabled, interval_minutes=sync.interval_minutes)


@strawberry.type(
    description="A CRM being deleted with its contacts, organizations, calls and jobs, in "
    "the background; the CRM itself is gone at once."
)
class CrmDeletion:
    crm_id: strawberry.ID
    crm_name: str
    status: JobStatus
    total: int = strawberry.field(description="The records to delete, when it was asked for.")
    processed: int = strawberry.field(description="The records deleted so far.")
    message: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_model(cls, deletion: CrmDeletionModel) -> "CrmDeletion":
        return cls(
            crm_id=strawberry.ID(str(deletion.crm_id)),
            crm_name=deletion.crm_name,
            status=deletion.status,
            total=deletion.total,
            processed=deletion.processed,
            message=deletion.message,
            created_at=deletion.created_at,
            finished_at=deletion.finished_at,
        )


@strawberry.type(description="A CRM configuration: a contact base of one backend kind.")
class Crm:
    id: strawberry.ID
    name: str
    show_phone_identification_fields: bool
    contact_sync: ContactSync
    created_at: datetime
    updated_at: datetime
    deletion: CrmDeletion | None = strawberry.field(
        default=None, description="Only in deleteCrm's answer: the deletion of what it held."
    )
    model: strawberry.Private[CrmModel]

    @strawberry.field(
        description="The kind and, for admins, its settings; others get a RestrictedCrmBackend."
    )
    def backend(self, info: Info) -> CrmBackend:
        if sees_crm_settings(info.context):
            return backend_from_model(self.model.backend)
        return RestrictedCrmBackend(kind=self.model.backend.kind)

    @strawberry.field(description="The stages, by kanbanPosition (none last), then name.")
    def stages(self) -> list[Stage]:
        return stages_of(self.model)

    @strawberry.field(description="The acquisition sources, the system ones first.")
    def acquisition_sources(self) -> list[AcquisitionSource]:
        return sources_of(self.model)

    @classmethod
    def from_model(cls, crm: CrmModel) -> "Crm":
        return cls(
            id=strawberry.ID(str(crm.id)),
            name=crm.name,
            show_phone_identification_fields=crm.show_phone_identification_fields,
            contact_sync=ContactSync.from_model(crm.contact_sync),
            created_at=crm.created_at,
            updated_at=crm.updated_at,
            model=crm,
        )
