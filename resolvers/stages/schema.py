"""Root fields of stages (R7): readers of a CRM read its stages, admins change them; nothing
while the company's CRM is off (R1.1)."""

from typing import Annotated

import strawberry

from resolvers.common.ids import parse_id
from resolvers.contact_options.crm_target import (
    CRM_ID_DESCRIPTION,
    configurable_crm,
    readable_crm,
)
from resolvers.context import Info
from resolvers.stages import service
from resolvers.stages.inputs import CreateStageInput, UpdateStageInput
from resolvers.stages.types import Stage, stages_of

IN_USE = (
    "A stage that contacts are at (deleted contacts too) is not deleted: CONFLICT with "
    "extensions.contactCount; move those contacts to another stage first."
)


@strawberry.type
class StageQuery:
    @strawberry.field(
        description="The stages of a CRM in Kanban order: by kanbanPosition (none last), then name."
    )
    async def stages(
        self,
        info: Info,
        crm_id: Annotated[
            strawberry.ID | None, strawberry.argument(description=CRM_ID_DESCRIPTION)
        ] = None,
    ) -> list[Stage]:
        return stages_of(await readable_crm(info.context, crm_id))


@strawberry.type
class StageMutation:
    @strawberry.mutation(description="Adds a stage to a CRM (admins); names are unique in the CRM.")
    async def create_stage(self, info: Info, input: CreateStageInput) -> Stage:
        crm = await configurable_crm(info.context, input.crm_id)
        crm, stage = await service.create_stage(crm, input)
        return Stage.from_model(stage, crm)

    @strawberry.mutation(description="Changes only the fields given (admins).")
    async def update_stage(self, info: Info, id: strawberry.ID, input: UpdateStageInput) -> Stage:
        tenant_id = info.context.configuring()
        crm, stage = await service.update_stage(tenant_id, parse_id(id, "Stage"), input)
        return Stage.from_model(stage, crm)

    @strawberry.mutation(description=f"Deletes a stage (admins) and returns it. {IN_USE}")
    async def delete_stage(self, info: Info, id: strawberry.ID) -> Stage:
        tenant_id = info.context.configuring()
        crm, stage = await service.delete_stage(tenant_id, parse_id(id, "Stage"))
        return Stage.from_model(stage, crm)
