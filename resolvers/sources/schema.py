"""Root fields of acquisition sources (R9): readers of a CRM read its sources, admins add and
change their own; nothing while the company's CRM is off (R1.1)."""

from typing import Annotated

import strawberry

from resolvers.common.ids import parse_id
from resolvers.contact_options.crm_target import (
    CRM_ID_DESCRIPTION,
    configurable_crm,
    readable_crm,
)
from resolvers.context import Info
from resolvers.sources import service
from resolvers.sources.inputs import CreateAcquisitionSourceInput, UpdateAcquisitionSourceInput
from resolvers.sources.types import AcquisitionSource, sources_of

SYSTEM = "System sources cannot be renamed or deleted (VALIDATION_FAILED at id)."
IN_USE = (
    "A source that contacts name (deleted contacts too) is not deleted: CONFLICT with "
    "extensions.contactCount; give those contacts another source first."
)


@strawberry.type
class AcquisitionSourceQuery:
    @strawberry.field(
        description="The acquisition sources of a CRM: the system ones first, then by name."
    )
    async def acquisition_sources(
        self,
        info: Info,
        crm_id: Annotated[
            strawberry.ID | None, strawberry.argument(description=CRM_ID_DESCRIPTION)
        ] = None,
    ) -> list[AcquisitionSource]:
        return sources_of(await readable_crm(info.context, crm_id))


@strawberry.type
class AcquisitionSourceMutation:
    @strawberry.mutation(
        description="Adds a company's own source to a CRM (admins); names are unique in the CRM."
    )
    async def create_acquisition_source(
        self, info: Info, input: CreateAcquisitionSourceInput
    ) -> AcquisitionSource:
        crm = await configurable_crm(info.context, input.crm_id)
        return AcquisitionSource.from_model(await service.create_source(crm, input))

    @strawberry.mutation(description=f"Changes only the fields given (admins). {SYSTEM}")
    async def update_acquisition_source(
        self, info: Info, id: strawberry.ID, input: UpdateAcquisitionSourceInput
    ) -> AcquisitionSource:
        tenant_id = info.context.configuring()
        source_id = parse_id(id, "AcquisitionSource")
        return AcquisitionSource.from_model(
            await service.update_source(tenant_id, source_id, input)
        )

    @strawberry.mutation(description=f"Deletes a source (admins) and returns it. {SYSTEM} {IN_USE}")
    async def delete_acquisition_source(self, info: Info, id: strawberry.ID) -> AcquisitionSource:
        tenant_id = info.context.configuring()
        source_id = parse_id(id, "AcquisitionSource")
        return AcquisitionSource.from_model(await service.delete_source(tenant_id, source_id))
