"""Projects (R3.1): CRUD by admins, names unique per company, references checked, visibility."""

from typing import Any

from tests.client import NO_SUCH_ID, GraphQLClient, field_paths
from tests.conftest import Tenant, make_crm


async def create_project(tenant: Tenant, name: str, **fields: Any) -> dict[str, Any]:
    result = await tenant.admin.op("CreateProject", input={"name": name, **fields})
    return result.data["createProject"]


async def read_project(tenant: Tenant, project_id: str) -> dict[str, Any]:
    return (await tenant.admin.op("Project", id=project_id)).data["project"]


async def project_names(client: GraphQLClient) -> list[str]:
    return [p["name"] for p in (await client.op("Projects")).data["projects"]]


async def test_an_admin_creates_a_project_with_a_crm_and_members(tenant):
    crm_id = await make_crm(tenant, "Sprzedaż")
    agent = await tenant.add_user(["AGENT"])
    supervisor = await tenant.add_user(["SUPERVISOR"])

    created = await create_project(
        tenant, "  Infolinia  ", crmId=crm_id, memberIds=[supervisor.id, agent.id, supervisor.id]
    )

    assert created["name"] == "Infolinia"
    assert created["crm"] == {"id": crm_id, "name": "Sprzedaż"}
    assert [m["id"] for m in created["members"]] == [supervisor.id, agent.id]
    assert created["members"][1]["email"] == agent.email
    assert await read_project(tenant, created["id"]) == created
    me = await agent.client.op("Me")
    assert me.data["me"]["projects"] == [{"id": created["id"], "name": "Infolinia"}]


async def test_a_project_needs_neither_a_crm_nor_members(tenant):
    created = await create_project(tenant, "Backoffice")
    assert created["crm"] is None
    assert created["members"] == []


async def test_names_are_unique_in_the_company_ignoring_case_and_accents(tenant):
    first = await create_project(tenant, "Łódź Sprzedaż")

    duplicate = await tenant.admin.op("CreateProject", input={"name": "  lodz  SPRZEDAZ "})

    assert duplicate.error_code == "CONFLICT"
    assert duplicate.error["extensions"]["field"] == "name"
    assert duplicate.error["extensions"]["existingId"] == first["id"]
    assert await project_names(tenant.admin) == ["Łódź Sprzedaż"]


async def test_create_reports_every_invalid_value_and_stores_nothing(tenant):
    agent = await tenant.add_user(["AGENT"])

    result = await tenant.admin.op(
        "CreateProject",
        input={
            "name": "   ",
            "crmId": NO_SUCH_ID,
            "memberIds": [agent.id, "not-an-id", NO_SUCH_ID],
        },
    )

    assert field_paths(result) == {
        "input.name",
        "input.crmId",
        "input.memberIds.1",
        "input.memberIds.2",
    }
    assert await project_names(tenant.admin) == []


async def test_a_malformed_crm_id_is_a_validation_error_like_an_unknown_one(tenant):
    malformed = await tenant.admin.op("CreateProject", input={"name": "P", "crmId": "zzz"})
    unknown = await tenant.admin.op("CreateProject", input={"name": "P", "crmId": NO_SUCH_ID})
    assert field_paths(malformed) == field_paths(unknown) == {"input.crmId"}
    assert malformed.error["message"] == unknown.error["message"]
    assert await project_names(tenant.admin) == []


async def test_update_changes_only_the_fields_given(tenant):
    crm_id = await make_crm(tenant)
    agent = await tenant.add_user(["AGENT"])
    project = await create_project(tenant, "Alpha", crmId=crm_id, memberIds=[agent.id])

    renamed = await tenant.admin.op("UpdateProject", id=project["id"], input={"name": "Beta"})
    assert renamed.data["updateProject"]["name"] == "Beta"
    assert renamed.data["updateProject"]["crm"] == project["crm"]
    assert renamed.data["updateProject"]["members"] == project["members"]

    unassigned = await tenant.admin.op("UpdateProject", id=project["id"], input={"crmId": None})
    assert unassigned.data["updateProject"]["crm"] is None
    assert unassigned.data["updateProject"]["name"] == "Beta"
    assert unassigned.data["updateProject"]["members"] == project["members"]

    emptied = await tenant.admin.op("UpdateProject", id=project["id"], input={"memberIds": []})
    assert emptied.data["updateProject"]["members"] == []

    stored = await read_project(tenant, project["id"])
    assert (stored["name"], stored["crm"], stored["members"]) == ("Beta", None, [])
    assert stored["createdAt"] == project["createdAt"]


async def test_an_empty_update_changes_nothing(tenant):
    project = await create_project(tenant, "Alpha")
    result = await tenant.admin.op("UpdateProject", id=project["id"], input={})
    assert result.data["updateProject"] == project


async def test_a_project_can_change_the_case_of_its_own_name(tenant):
    project = await create_project(tenant, "alpha")
    result = await tenant.admin.op("UpdateProject", id=project["id"], input={"name": "ALPHA"})
    assert result.data["updateProject"]["name"] == "ALPHA"


async def test_update_refuses_nulls_and_bad_values_and_changes_nothing(tenant):
    crm_id = await make_crm(tenant)
    agent = await tenant.add_user(["AGENT"])
    project = await create_project(tenant, "Alpha", crmId=crm_id, memberIds=[agent.id])

    nulls = await tenant.admin.op(
        "UpdateProject", id=project["id"], input={"name": None, "memberIds": None}
    )
    assert field_paths(nulls) == {"input.name", "input.memberIds"}

    bad = await tenant.admin.op(
        "UpdateProject",
        id=project["id"],
        input={"name": "", "crmId": NO_SUCH_ID, "memberIds": [NO_SUCH_ID, agent.id]},
    )
    assert field_paths(bad) == {"input.name", "input.crmId", "input.memberIds.0"}

    assert await read_project(tenant, project["id"]) == project


async def test_renaming_onto_another_project_conflicts_and_changes_nothing(tenant):
    alpha = await create_project(tenant, "Alpha")
    beta = await create_project(tenant, "Beta")

    result = await tenant.admin.op("UpdateProject", id=beta["id"], input={"name": "ÁLPHA"})

    assert result.error_code == "CONFLICT"
    assert result.error["extensions"]["field"] == "name"
    assert result.error["extensions"]["existingId"] == alpha["id"]
    assert await read_project(tenant, beta["id"]) == beta


async def test_delete_returns_the_project_and_removes_it(tenant):
    crm_id = await make_crm(tenant)
    agent = await tenant.add_user(["AGENT"])
    project = await create_project(tenant, "Alpha", crmId=crm_id, memberIds=[agent.id])
    keep = await create_project(tenant, "Beta", memberIds=[agent.id])

    deleted = await tenant.admin.op("DeleteProject", id=project["id"])

    assert deleted.data["deleteProject"] == project
    assert (await tenant.admin.op("Project", id=project["id"])).error_code == "NOT_FOUND"
    assert (await tenant.admin.op("DeleteProject", id=project["id"])).error_code == "NOT_FOUND"
    assert await project_names(tenant.admin) == ["Beta"]
    me = await agent.client.op("Me")
    assert me.data["me"]["projects"] == [{"id": keep["id"], "name": "Beta"}]


async def test_unknown_and_malformed_ids_are_not_found(tenant):
    for project_id in (NO_SUCH_ID, "not-an-id"):
        assert (await tenant.admin.op("Project", id=project_id)).error_code == "NOT_FOUND"
        update = await tenant.admin.op("UpdateProject", id=project_id, input={"name": "X"})
        assert update.error_code == "NOT_FOUND"
        assert (await tenant.admin.op("DeleteProject", id=project_id)).error_code == "NOT_FOUND"
    assert await project_names(tenant.admin) == []


async def test_projects_are_sorted_by_name_ignoring_case_and_accents(tenant):
    for name in ("Delta", "Ćma", "Beta", "alpha"):
        await create_project(tenant, name)
    assert await project_names(tenant.admin) == ["alpha", "Beta", "Ćma", "Delta"]


async def test_agents_see_only_their_projects_and_supervisors_see_all(tenant):
    agent = await tenant.add_user(["AGENT"])
    supervisor = await tenant.add_user(["SUPERVISOR"])
    mine = await create_project(tenant, "Mine", memberIds=[agent.id])
    other = await create_project(tenant, "Other")

    assert await project_names(agent.client) == ["Mine"]
    assert (await agent.client.op("Project", id=mine["id"])).data["project"] == mine
    hidden = await agent.client.op("Project", id=other["id"])
    assert hidden.error_code == "NOT_FOUND"
    assert await project_names(supervisor.client) == ["Mine", "Other"]
    assert (await supervisor.client.op("Project", id=other["id"])).data["project"] == other
    assert await project_names(tenant.admin) == ["Mine", "Other"]


async def test_a_project_shows_its_crm_only_to_those_who_may_see_that_crm(tenant):
    supervisor = await tenant.add_user(["SUPERVISOR"])
    crm_id = await make_crm(tenant, "Windykacja")
    project = await create_project(tenant, "Not the supervisor's", crmId=crm_id)
    assert project["crm"]["id"] == crm_id
    seen = await supervisor.client.op("Project", id=project["id"])
    assert seen.data["project"]["crm"]["id"] == crm_id

    await tenant.admin.op("UpdateCompanySettings", input={"restrictedCrm": True})
    restricted = await supervisor.client.op("Project", id=project["id"])
    assert restricted.data["project"]["crm"] is None
    as_admin = await tenant.admin.op("Project", id=project["id"])
    assert as_admin.data["project"]["crm"]["id"] == crm_id


async def test_an_agent_does_not_see_a_teammates_other_projects(tenant):
    agent = await tenant.add_user(["AGENT"])
    teammate = await tenant.add_user(["AGENT"])
    shared = await create_project(tenant, "Shared", memberIds=[agent.id, teammate.id])
    await create_project(tenant, "Teammate only", memberIds=[teammate.id])

    seen_by_agent = (await agent.client.op("ProjectsOfMembers")).data["projects"]
    seen_by_admin = (await tenant.admin.op("ProjectsOfMembers")).data["projects"]

    shared_only = [{"id": shared["id"], "name": "Shared"}]
    assert [m["projects"] for m in seen_by_agent[0]["members"]] == [shared_only, shared_only]
    admin_view = {m["id"]: m["projects"] for m in seen_by_admin[0]["members"]}
    assert [p["name"] for p in admin_view[teammate.id]] == ["Shared", "Teammate only"]


async def test_only_admins_change_projects(tenant):
    project = await create_project(tenant, "Alpha")
    for role in ("SUPERVISOR", "AGENT"):
        member = await tenant.add_user([role])
        create = await member.client.op("CreateProject", input={"name": "Mine"})
        update = await member.client.op("UpdateProject", id=project["id"], input={"name": "X"})
        delete = await member.client.op("DeleteProject", id=project["id"])
        assert [create.error_code, update.error_code, delete.error_code] == ["FORBIDDEN"] * 3
    assert await project_names(tenant.admin) == ["Alpha"]
    assert await read_project(tenant, project["id"]) == project


async def test_projects_need_a_user_of_a_company(anonymous, operator):
    assert (await anonymous.op("Projects")).error_code == "UNAUTHENTICATED"
    assert (await operator.op("Projects")).error_code == "FORBIDDEN"
    create = await operator.op("CreateProject", input={"name": "Ops"})
    assert create.error_code == "FORBIDDEN"
