"""Set-up shared by the tests of calls: a company with a CRM, a project of it with an agent who
may dial, the telephony side's client, contacts and organizations with phones."""

from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId

from app.services import Services
from app.tokens import TokenKind
from models.call_event import CallEvent
from models.contact import Organization
from models.contact_keys import derive_organization
from models.phones import normalize_phone
from models.record_rows import new_record_row
from tests.client import NO_SUCH_ID, GraphQLClient, Result
from tests.conftest import Member, Tenant
from tests.records import with_default_crm


@dataclass
class CallDesk:
    tenant: Tenant
    crm_id: str
    project_id: str
    agent: Member
    telephony: GraphQLClient

    @property
    def admin(self) -> GraphQLClient:
        return self.tenant.admin

    async def contact(self, first: str, last: str, *phones: str, crm_id: str | None = None) -> str:
        created = await self.admin.op(
            "CreateContact",
            input={
                "crmId": crm_id or self.crm_id,
                "firstName": first,
                "lastName": last,
                "phones": [{"number": phone} for phone in phones],
            },
        )
        return created.data["createContact"]["id"]

    async def organization(self, name: str, *phones: str) -> str:
        """Stored directly: the subject here is matching, not the organizations' API."""
        row: dict[str, Any] = {
            **new_record_row(PydanticObjectId(self.tenant.id), PydanticObjectId(self.crm_id)),
            "name": name,
            "phones": [{"number": normalize_phone(p, "PL"), "raw": p} for p in phones],
        }
        row.update(derive_organization(row, []))
        await Organization.get_pymongo_collection().insert_one(row)
        return str(row["_id"])

    async def report(self, call_id: str, caller: str | None, **input: Any) -> Result:
        return await self.telephony.op(
            "ReportIncomingCall",
            input={"callId": call_id, "from": caller, "projectId": self.project_id, **input},
        )

    async def settings(self, **settings: Any) -> None:
        result = await self.admin.op("UpdateCompanySettings", input=settings)
        assert not result.errors, result.errors

    async def stored_calls(self) -> list[dict[str, Any]]:
        cursor = CallEvent.get_pymongo_collection().find(
            {"tenant_id": PydanticObjectId(self.tenant.id)}, sort=[("_id", 1)]
        )
        return await cursor.to_list()


def telephony_token(services: Services, tenant: Tenant) -> str:
    return services.tokens.issue(TokenKind.TELEPHONY, tenant.id, tenant.id)


async def call_desk(tenant: Tenant, services: Services, project: str = "Infolinia") -> CallDesk:
    crm = await with_default_crm(tenant)
    agent = await tenant.add_user(["AGENT"], ["DIAL"])
    created = await tenant.admin.op(
        "CreateProject", input={"name": project, "crmId": crm.crm_id, "memberIds": [agent.id]}
    )
    return CallDesk(
        tenant=tenant,
        crm_id=crm.crm_id,
        project_id=created.data["createProject"]["id"],
        agent=agent,
        telephony=tenant.admin.as_(telephony_token(services, tenant)),
    )


# The projects an agent of a desk is not a member of, as the access tests name them.
FOREIGN_PROJECTS = ["not-a-member", "other-company", NO_SUCH_ID, "malformed"]


async def foreign_project_id(desk: CallDesk, new_tenant, services: Services, kind: str) -> str:
    """The id of a project of :data:`FOREIGN_PROJECTS` for ``desk``'s agent."""
    if kind == "not-a-member":
        created = await desk.admin.op(
            "CreateProject", input={"name": "Cudzy", "crmId": desk.crm_id}
        )
        return created.data["createProject"]["id"]
    if kind == "other-company":
        return (await call_desk(await new_tenant("Other"), services)).project_id
    return kind
