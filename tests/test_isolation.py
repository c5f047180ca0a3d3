"""Isolation of companies: nothing of one company can be read or changed from another.

Another company's ids must answer exactly like ids that do not exist (NOT_FOUND, or the same
validation error), so that an answer gives nothing away; afterwards its data is unchanged.
"""

from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from tests.client import NO_SUCH_ID, Result
from tests.conftest import Member, Tenant, make_crm


@dataclass
class Victim:
    tenant: Tenant
    agent: Member
    crm_id: str
    project_id: str


async def snapshot(tenant: Tenant) -> dict[str, Any]:
    """Everything these tests could touch, as the company's own admin reads it."""
    return {
        "users": (await tenant.admin.op("Users", first=200)).data["users"],
        "projects": (await tenant.admin.op("Projects")).data["projects"],
        "settings": (await tenant.admin.op("CompanySettings")).data["companySettings"],
    }


def same_answer(foreign: Result, unknown: Result, foreign_id: str) -> None:
    """The answer to another company's id is the one to an id that does not exist."""
    assert foreign.error_code == unknown.error_code
    foreign_error = {**foreign.error, "message": foreign.error["message"].replace(foreign_id, "?")}
    unknown_error = {**unknown.error, "message": unknown.error["message"].replace(NO_SUCH_ID, "?")}
    foreign_error["extensions"] = {**foreign_error["extensions"], "id": "?"}
    unknown_error["extensions"] = {**unknown_error["extensions"], "id": "?"}
    assert foreign_error == unknown_error
    assert foreign.body["data"] == unknown.body["data"]


@pytest_asyncio.fixture
async def victim(new_tenant) -> Victim:
    tenant = await new_tenant("Victim")
    agent = await tenant.add_user(["AGENT"])
    crm_id = await make_crm(tenant, "Victim CRM")
    project = await tenant.admin.op(
        "CreateProject",
        input={"name": "Shared Name", "crmId": crm_id, "memberIds": [agent.id]},
    )
    await tenant.admin.op(
        "UpdateCompanySettings",
        input={
            "restrictedCrm": True,
            "defaultCrmId": crm_id,
            "defaultPhoneRegion": "DE",
            "ldap": {
                "enabled": True,
                "url": "ldaps://victim.example",
                "baseDn": "dc=victim,dc=example",
                "bindPassword": "victim-bind-password",
            },
        },
    )
    return Victim(tenant, agent, crm_id, project.data["createProject"]["id"])


async def test_lists_and_settings_show_only_the_callers_company(tenant, victim):
    before = await snapshot(victim.tenant)
    agent = await tenant.add_user(["AGENT"])

    users = (await tenant.admin.op("Users", first=200)).data["users"]
    assert users["totalCount"] == 2
    assert victim.agent.email not in str(users)
    assert (await tenant.admin.op("Projects")).data["projects"] == []
    assert (await agent.client.op("Projects")).data["projects"] == []
    own = (await tenant.admin.op("CompanySettings")).data["companySettings"]
    assert own["defaultCrmId"] is None
    assert own["defaultPhoneRegion"] == "PL"
    assert own["ldap"]["url"] is None

    assert await snapshot(victim.tenant) == before


async def test_another_companys_users_and_projects_are_not_found(tenant, victim):
    before = await snapshot(victim.tenant)
    agent = await tenant.add_user(["AGENT"])
    admin = tenant.admin
    foreign_project = victim.project_id

    for client in (admin, agent.client):
        same_answer(
            await client.op("Project", id=foreign_project),
            await client.op("Project", id=NO_SUCH_ID),
            foreign_project,
        )
    same_answer(
        await admin.op("UpdateProject", id=foreign_project, input={"name": "Taken over"}),
        await admin.op("UpdateProject", id=NO_SUCH_ID, input={"name": "Taken over"}),
        foreign_project,
    )
    same_answer(
        await admin.op("DeleteProject", id=foreign_project),
        await admin.op("DeleteProject", id=NO_SUCH_ID),
        foreign_project,
    )
    for input_ in ({"displayName": "Taken over"}, {"active": False}, {"roles": ["ADMIN"]}):
        same_answer(
            await admin.op("UpdateUser", id=victim.agent.id, input=input_),
            await admin.op("UpdateUser", id=NO_SUCH_ID, input=input_),
            victim.agent.id,
        )
    assert (await admin.op("Project", id=foreign_project)).error_code == "NOT_FOUND"
    assert (await admin.op("UpdateUser", id=victim.agent.id, input={})).error_code == "NOT_FOUND"

    assert await snapshot(victim.tenant) == before


async def test_another_companys_crm_and_users_cannot_be_referenced(tenant, victim):
    before = await snapshot(victim.tenant)
    own_agent = await tenant.add_user(["AGENT"])
    admin = tenant.admin

    def project_input(crm_ref: str, user_ref: str) -> dict[str, Any]:
        return {"name": "Mine", "crmId": crm_ref, "memberIds": [own_agent.id, user_ref]}

    foreign = await admin.op("CreateProject", input=project_input(victim.crm_id, victim.agent.id))
    unknown = await admin.op("CreateProject", input=project_input(NO_SUCH_ID, NO_SUCH_ID))
    assert foreign.error_code == "VALIDATION_FAILED"
    assert {e["field"] for e in foreign.error["extensions"]["fieldErrors"]} == {
        "input.crmId",
        "input.memberIds.1",
    }
    assert foreign.body == unknown.body
    assert (await admin.op("Projects")).data["projects"] == []

    mine = await admin.op("CreateProject", input={"name": "Shared Name"})
    mine_id = mine.data["createProject"]["id"]
    update_foreign = await admin.op(
        "UpdateProject",
        id=mine_id,
        input={"crmId": victim.crm_id, "memberIds": [victim.agent.id]},
    )
    update_unknown = await admin.op(
        "UpdateProject", id=mine_id, input={"crmId": NO_SUCH_ID, "memberIds": [NO_SUCH_ID]}
    )
    assert update_foreign.error_code == "VALIDATION_FAILED"
    assert update_foreign.body == update_unknown.body
    assert (await admin.op("Project", id=mine_id)).data["project"] == mine.data["createProject"]

    settings_foreign = await admin.op(
        "UpdateCompanySettings", input={"defaultCrmId": victim.crm_id}
    )
    settings_unknown = await admin.op("UpdateCompanySettings", input={"defaultCrmId": NO_SUCH_ID})
    assert settings_foreign.error_code == "VALIDATION_FAILED"
    assert settings_foreign.body == settings_unknown.body
    settings = (await admin.op("CompanySettings")).data["companySettings"]
    assert settings["defaultCrmId"] is None

    assert await snapshot(victim.tenant) == before


async def test_changing_ones_own_company_leaves_the_other_alone(tenant, victim):
    before = await snapshot(victim.tenant)
    crm_id = await make_crm(tenant, "Victim CRM")
    agent = await tenant.add_user(["AGENT"])

    await tenant.admin.op(
        "UpdateCompanySettings",
        input={
            "crmEnabled": False,
            "restrictedCrm": False,
            "defaultCrmId": crm_id,
            "defaultPhoneRegion": "FR",
            "ldap": {"enabled": False, "url": None, "baseDn": None, "bindPassword": None},
        },
    )
    created = await tenant.admin.op(
        "CreateProject", input={"name": "Shared Name", "crmId": crm_id, "memberIds": [agent.id]}
    )
    project_id = created.data["createProject"]["id"]
    await tenant.admin.op("UpdateProject", id=project_id, input={"name": "Renamed"})
    await tenant.admin.op("UpdateUser", id=agent.id, input={"displayName": "Renamed"})
    await tenant.admin.op("DeleteProject", id=project_id)

    assert await snapshot(victim.tenant) == before
    victim_agent = await victim.agent.client.op("Me")
    assert victim_agent.data["me"]["projects"] == [{"id": victim.project_id, "name": "Shared Name"}]
