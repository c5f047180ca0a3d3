"""Root fields of CRM configurations: ``crms``, ``crm``, ``create/update/deleteCrm``.

Every one of them is refused while the company's CRM is off (R1.1). Any user of the company
reads (within R1.2's visibility); only admins configure (R3.2).
"""

import strawberry

from resolvers.common.ids import parse_id
from resolvers.context import Info
from resolvers.crms import service
from resolvers.crms.inputs import CreateCrmInput, UpdateCrmInput
from resolvers.crms.types import BACKEND_TYPES, Crm, RestrictedCrmBackend

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

    @strawberry.mutation(description="Deletes a CRM no project uses (admins) and returns it.")
    async def delete_crm(self, info: Info, id: strawberry.ID) -> Crm:
        tenant_id = info.context.configuring()
        return Crm.from_model(await service.delete_crm(tenant_id, parse_id(id, "Crm")))
