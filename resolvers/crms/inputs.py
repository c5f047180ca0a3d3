"""Inputs of CRM configurations.

The backend members serve both create and update, so every setting is optional: on create (or
when an update switches kinds) an omitted setting takes its default; on an update of the same
kind it keeps its stored value. A secret is write-only: a value replaces it, null removes it.
Every URL keeps to the outbound rules (``app/outbound.py``).
Member and setting names match ``models.crm`` (one member per ``BackendKind``, in snake case).
"""

import strawberry

from models.crm import MAX_SYNC_INTERVAL_MINUTES, MIN_SYNC_INTERVAL_MINUTES
from resolvers.crms.types import OrganizationRegion

SECRET = "Write-only: a value replaces the stored secret, null removes it."


@strawberry.input
class LocalBackendInput:
    default_organization_region: OrganizationRegion | None = strawberry.field(
        default=strawberry.UNSET, description="PL unless given."
    )


@strawberry.input
class HubspotBackendInput:
    access_token: str | None = strawberry.field(default=strawberry.UNSET, description=SECRET)


@strawberry.input
class ZammadBackendInput:
    cti_push_enabled: bool | None = strawberry.UNSET
    cti_endpoint_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Zammad's https://{fqdn}/api/v1/cti/{token}. " + SECRET + " Shown masked.",
    )
    zammad_url: str | None = strawberry.UNSET
    user_token: str | None = strawberry.field(default=strawberry.UNSET, description=SECRET)


@strawberry.input
class LivespaceBackendInput:
    api_url: str | None = strawberry.UNSET
    api_key: str | None = strawberry.field(default=strawberry.UNSET, description=SECRET)
    api_secret: str | None = strawberry.field(default=strawberry.UNSET, description=SECRET)
    log_events: bool | None = strawberry.UNSET


@strawberry.input
class SalesforceBackendInput:
    api_url: str | None = strawberry.UNSET
    consumer_key: str | None = strawberry.field(default=strawberry.UNSET, description=SECRET)
    consumer_secret: str | None = strawberry.field(default=strawberry.UNSET, description=SECRET)
    log_events: bool | None = strawberry.UNSET


@strawberry.input
class DynamicsBackendInput:
    tenant_name: str | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    application_id: str | None = strawberry.UNSET
    application_secret: str | None = strawberry.field(default=strawberry.UNSET, description=SECRET)
    log_events: bool | None = strawberry.UNSET


@strawberry.input
class CustomBackendInput:
    source_system: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The external system that pushes contacts in through the API.",
    )


@strawberry.input(description="Both URLs are templates: {phone} and {id} placeholders are allowed.")
class CustomExtBackendInput:
    url: str | None = strawberry.field(default=strawberry.UNSET, description="The lookup URL.")
    profile_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="The link to a contact's profile."
    )


@strawberry.input(one_of=True, description="Exactly one member: the kind, with its settings.")
class CrmBackendInput:
    local: LocalBackendInput | None = strawberry.UNSET
    hubspot: HubspotBackendInput | None = strawberry.UNSET
    zammad: ZammadBackendInput | None = strawberry.UNSET
    livespace: LivespaceBackendInput | None = strawberry.UNSET
    salesforce: SalesforceBackendInput | None = strawberry.UNSET
    dynamics: DynamicsBackendInput | None = strawberry.UNSET
    custom: CustomBackendInput | None = strawberry.UNSET
    custom_ext: CustomExtBackendInput | None = strawberry.UNSET


@strawberry.input(description="Omitted fields keep their value (on create: off, 60 minutes).")
class ContactSyncInput:
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Only for external kinds (not LOCAL or CUSTOM*)."
    )
    interval_minutes: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"From {MIN_SYNC_INTERVAL_MINUTES} to {MAX_SYNC_INTERVAL_MINUTES}.",
    )


@strawberry.input
class CreateCrmInput:
    name: str
    show_phone_identification_fields: bool = False
    backend: CrmBackendInput | None = strawberry.field(
        default=None, description="LOCAL when not given."
    )
    contact_sync: ContactSyncInput | None = None


@strawberry.input(description="Only the fields given are changed.")
class UpdateCrmInput:
    name: str | None = strawberry.UNSET
    show_phone_identification_fields: bool | None = strawberry.UNSET
    backend: CrmBackendInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The same kind changes only the settings given; another kind replaces all.",
    )
    contact_sync: ContactSyncInput | None = strawberry.UNSET
