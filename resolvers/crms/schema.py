"""Root fields of CRM configurations: ``crms``, ``crm``, ``create/update/deleteCrm``.

Every one of them is refused while the company's CRM is off (R1.1). Any user of the company
reads (within R1.2's visibility); only admins configure (R3.2).
"""

from typing import Annotated

import strawberry

from resolvers.common.ids import parse_id
from resolvers.context import Info
from resolvers.crms import service
from resolvers.crms.inputs import CreateCrmInput, UpdateCrmInput
from resolvers.crms.types import BACKEND_TYPES, Crm, CrmDeletion, RestrictedCrmBackend

# The implementations of the ``CrmBackend`` interface: no field names them, so the schema
# must be given them (``strawberry.Schema(types=...)``).
CRM_TYPES: tuple[type, ...] = (*BACKEND_TYPES.values(), RestrictedCrmBackend)


async def _visible(info: Info) -> service.CrmScope:
    info.context.require_crm_enabled()
    return service.caller_scope(info.context)


@strawberry.type
class CrmQuery:
    @strawberry.field(description="The CRMs of the company the caller may see, by name.")
    async def crms(self, info: Info) -> list[Crm]:
        return [Crm.from_model(crm) for crm in await service.list_crms(await _visible(info))]

    @strawberry.field
    async def crm(self, info: Info, id: strawberry.ID) -> Crm:
        scope = await _visible(info)
        return Crm.from_model(await service.get_crm(scope, parse_id(id, "Crm")))

    @strawberry.field(description="How the deletion of a CRM (deleteCrm) goes (admins).")
    async def crm_deletion(self, info: Info, crm_id: strawberry.ID) -> CrmDeletion:
        tenant_id = info.context.configuring()
        deletion = await service.crm_deletion(tenant_id, parse_id(crm_id, "Crm"))
        return CrmDeletion.from_model(deletion)


@strawberry.type
class CrmMutation:
    @strawberry.mutation(description="Adds a CRM (admins); its backend is LOCAL unless given.")
    async def create_crm(self, info: Info, input: CreateCrmInput) -> Crm:
        tenant_id = info.context.configuring()
        tools = service.SettingTools.of(info.context.services)
        return Crm.from_model(await service.create_crm(tenant_id, input, tools))

    @strawberry.mutation(description="Changes only the fields given (admins).")
    async def update_crm(self, info: Info, id: strawberry.ID, input: UpdateCrmInput) -> Crm:
        tenant_id = info.context.configuring()
        tools = service.SettingTools.of(info.context.services)
        crm = await service.update_crm(tenant_id, parse_id(id, "Crm"), input, tools)
        return Crm.from_model(crm)

    @strawberry.mutation(
        description="Deletes a CRM no project uses (admins) and returns it, with its deletion. "
        "A CRM holding contacts or organizations is refused (CONFLICT, with the counts) unless "
        "cascade is true: they are then deleted with it, in the background (crmDeletion). "
        "The CRM is gone at once either way."
    )
    async def delete_crm(
        self,
        info: Info,
        id: strawberry.ID,
        cascade: Annotated[
            bool,
            strawberry.argument(description="Delete the CRM's contacts and organizations with it."),
        ] = False,
    ) -> Crm:
        tenant_id = info.context.configuring()
        crm, deletion = await service.delete_crm(
            tenant_id, info.context.user().id, parse_id(id, "Crm"), cascade
        )
        info.context.services.jobs.wake()
        answer = Crm.from_model(crm)
        answer.deletion = CrmDeletion.from_model(deletion)
        return answer
