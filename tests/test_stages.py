"""Stages (R7): per CRM, Kanban order, colors, names unique within a CRM, deletion refused while
contacts are at a stage, the default CRM, visibility and isolation of companies."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from beanie import PydanticObjectId

from models.contact import Contact
from models.crm import Crm
from models.crm_lists import MAX_ITEMS_PER_LIST, Stage
from models.values import name_key
from tests.client import NO_SUCH_ID, GraphQLClient, field_paths
from tests.conftest import Tenant, make_crm

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


async def create_stage(tenant: Tenant, crm_id: str | None, name: str, **fields: Any) -> dict:
    input_ = {"name": name, **fields}
    if crm_id is not None:
        input_["crmId"] = crm_id
    return (await tenant.admin.op("CreateStage", input=input_)).data["createStage"]


async def stages(client: GraphQLClient, crm_id: str | None) -> list[dict[str, Any]]:
    return (await client.op("Stages", crmId=crm_id)).data["stages"]


async def stage_names(client: GraphQLClient, crm_id: str) -> list[str]:
    return [s["name"] for s in await stages(client, crm_id)]


async def add_contact(tenant: Tenant, crm_id: str, stage_id: str, *, deleted=False) -> Contact:
    """A contact at the stage, stored directly: the contacts API is not this subject."""
    return await Contact(
        tenant_id=PydanticObjectId(tenant.id),
        crm_id=PydanticObjectId(crm_id),
        first_name="Anna",
        last_name="Nowak",
        stage_id=PydanticObjectId(stage_id),
        deleted=deleted,
    ).insert()


async def test_a_new_stage_takes_the_defaults_and_names_its_crm(tenant):
    crm_id = await make_crm(tenant, "Sprzedaż")

    stage = await create_stage(tenant, crm_id, "  Lead  ")

    assert stage["name"] == "Lead"
    assert {k: stage[k] for k in ("flag", "showInKanban", "kanbanPosition", "color")} == {
        "flag": "OPEN",
        "showInKanban": True,
        "kanbanPosition": None,
        "color": "#9E9E9E",
    }
    assert stage["crm"] == {"id": crm_id, "name": "Sprzedaż"}
    assert await stages(tenant.admin, crm_id) == [stage]


async def test_every_field_is_kept_and_colors_are_stored_upper_case(tenant):
    crm_id = await make_crm(tenant)
    stage = await create_stage(
        tenant,
        crm_id,
        "Klient",
        flag="WON",
        showInKanban=False,
        kanbanPosition=3,
        color=" #1e88e5 ",
    )
    assert {k: stage[k] for k in ("name", "flag", "showInKanban", "kanbanPosition", "color")} == {
        "name": "Klient",
        "flag": "WON",
        "showInKanban": False,
        "kanbanPosition": 3,
        "color": "#1E88E5",
    }
    assert await stages(tenant.admin, crm_id) == [stage]


async def test_stages_are_in_kanban_order_then_in_polish_name_order(tenant):
    crm_id = await make_crm(tenant)
    for name, position in [
        ("Zamknięty", None),
        ("Oferta", 2),
        ("Ćwiczenie", None),
        ("Lead", 0),
        ("Negocjacje", 2),
        ("archiwum", None),
        ("Kontakt", 1),
    ]:
        await create_stage(tenant, crm_id, name, kanbanPosition=position)

    assert await stage_names(tenant.admin, crm_id) == [
        "Lead",
        "Kontakt",
        "Negocjacje",
        "Oferta",
        "archiwum",
        "Ćwiczenie",
        "Zamknięty",
    ]
    crm = (await tenant.admin.op("CrmStages", id=crm_id)).data["crm"]
    assert crm["stages"] == await stages(tenant.admin, crm_id)


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "#GG0000", "123456", "#12 456"])
async def test_a_color_must_be_rrggbb(tenant, color):
    crm_id = await make_crm(tenant)
    result = await tenant.admin.op(
        "CreateStage", input={"crmId": crm_id, "name": "Lead", "color": color}
    )
    assert field_paths(result) == {"input.color"}
    assert await stages(tenant.admin, crm_id) == []


async def test_create_reports_every_invalid_value_and_stores_nothing(tenant):
    crm_id = await make_crm(tenant)
    result = await tenant.admin.op(
        "CreateStage",
        input={"crmId": crm_id, "name": " ", "kanbanPosition": -1, "color": "blue"},
    )
    assert field_paths(result) == {"input.name", "input.kanbanPosition", "input.color"}
    assert await stages(tenant.admin, crm_id) == []


async def test_names_are_unique_within_a_crm_ignoring_case_and_accents(tenant):
    crm_id = await make_crm(tenant, "Sprzedaż")
    other_crm_id = await make_crm(tenant, "Serwis")
    first = await create_stage(tenant, crm_id, "Główny lead")

    duplicate = await tenant.admin.op(
        "CreateStage", input={"crmId": crm_id, "name": "GLOWNY  lead"}
    )

    assert duplicate.error_code == "CONFLICT"
    assert duplicate.error["extensions"]["field"] == "name"
    assert duplicate.error["extensions"]["existingId"] == first["id"]
    assert await stages(tenant.admin, crm_id) == [first]
    elsewhere = await create_stage(tenant, other_crm_id, "Główny lead")
    assert elsewhere["crm"]["id"] == other_crm_id


async def test_concurrent_creates_keep_every_stage_and_one_of_each_name(tenant):
    crm_id = await make_crm(tenant)
    names = [f"Etap {i}" for i in range(8)] + ["Lead"] * 8

    results = await asyncio.gather(
        *(tenant.admin.op("CreateStage", input={"crmId": crm_id, "name": n}) for n in names)
    )

    codes = [r.errors[0]["extensions"]["code"] if r.errors else "OK" for r in results]
    assert codes[:8] == ["OK"] * 8
    assert sorted(codes[8:]) == ["CONFLICT"] * 7 + ["OK"]
    assert sorted(await stage_names(tenant.admin, crm_id)) == sorted({*names})


async def test_update_changes_only_the_fields_given(tenant):
    crm_id = await make_crm(tenant)
    stage = await create_stage(tenant, crm_id, "Lead", kanbanPosition=1, color="#00FF00")
    await Crm.find_one({"_id": PydanticObjectId(crm_id)}).update({"$set": {"updated_at": LONG_AGO}})

    result = await tenant.admin.op(
        "UpdateStage", id=stage["id"], input={"flag": "LOST", "color": "#ff0000"}
    )

    updated = result.data["updateStage"]
    assert updated == {**stage, "flag": "LOST", "color": "#FF0000"}
    assert await stages(tenant.admin, crm_id) == [updated]
    crm = await Crm.get(PydanticObjectId(crm_id))
    assert crm.updated_at > LONG_AGO

    unset = await tenant.admin.op(
        "UpdateStage",
        id=stage["id"],
        input={"kanbanPosition": None, "showInKanban": False, "name": "Lead główny"},
    )
    assert unset.data["updateStage"] == {
        **updated,
        "kanbanPosition": None,
        "showInKanban": False,
        "name": "Lead główny",
    }
    assert await stages(tenant.admin, crm_id) == [unset.data["updateStage"]]


async def test_an_empty_update_changes_nothing(tenant):
    crm_id = await make_crm(tenant)
    stage = await create_stage(tenant, crm_id, "Lead")
    result = await tenant.admin.op("UpdateStage", id=stage["id"], input={})
    assert result.data["updateStage"] == stage


async def test_an_invalid_update_is_refused_and_changes_nothing(tenant):
    crm_id = await make_crm(tenant)
    stage = await create_stage(tenant, crm_id, "Lead", kanbanPosition=1)

    nulls = await tenant.admin.op(
        "UpdateStage",
        id=stage["id"],
        input={"name": None, "flag": None, "showInKanban": None, "color": None},
    )
    assert field_paths(nulls) == {
        "input.name",
        "input.flag",
        "input.showInKanban",
        "input.color",
    }
    bad = await tenant.admin.op(
        "UpdateStage",
        id=stage["id"],
        input={"name": "", "kanbanPosition": -5, "color": "#FFF", "flag": "WON"},
    )
    assert field_paths(bad) == {"input.name", "input.kanbanPosition", "input.color"}
    assert await stages(tenant.admin, crm_id) == [stage]


async def test_renaming_onto_another_stage_conflicts_and_changes_nothing(tenant):
    crm_id = await make_crm(tenant)
    lead = await create_stage(tenant, crm_id, "Lead", kanbanPosition=0)
    client = await create_stage(tenant, crm_id, "Klient", kanbanPosition=1)

    result = await tenant.admin.op("UpdateStage", id=client["id"], input={"name": "LEAD"})
    assert result.error_code == "CONFLICT"
    assert result.error["extensions"]["existingId"] == lead["id"]
    assert await stages(tenant.admin, crm_id) == [lead, client]

    own = await tenant.admin.op("UpdateStage", id=lead["id"], input={"name": "LEAD"})
    assert own.data["updateStage"]["name"] == "LEAD"


async def test_delete_returns_the_stage_and_removes_it(tenant):
    crm_id = await make_crm(tenant)
    lead = await create_stage(tenant, crm_id, "Lead")
    kept = await create_stage(tenant, crm_id, "Klient")

    deleted = await tenant.admin.op("DeleteStage", id=lead["id"])

    assert deleted.data["deleteStage"] == lead
    assert await stages(tenant.admin, crm_id) == [kept]
    assert (await tenant.admin.op("DeleteStage", id=lead["id"])).error_code == "NOT_FOUND"
    update = await tenant.admin.op("UpdateStage", id=lead["id"], input={"name": "X"})
    assert update.error_code == "NOT_FOUND"


async def test_a_stage_that_contacts_are_at_is_not_deleted(tenant):
    crm_id = await make_crm(tenant)
    used = await create_stage(tenant, crm_id, "Lead", kanbanPosition=0)
    other = await create_stage(tenant, crm_id, "Klient", kanbanPosition=1)
    live = await add_contact(tenant, crm_id, used["id"])
    gone = await add_contact(tenant, crm_id, used["id"], deleted=True)
    await add_contact(tenant, crm_id, other["id"])

    refused = await tenant.admin.op("DeleteStage", id=used["id"])

    assert refused.error_code == "CONFLICT"
    assert refused.error["extensions"]["contactCount"] == 2
    assert refused.error["extensions"]["existingId"] in {str(live.id), str(gone.id)}
    assert await stages(tenant.admin, crm_id) == [used, other]

    await live.delete()
    await gone.delete()
    assert (await tenant.admin.op("DeleteStage", id=used["id"])).data["deleteStage"] == used
    assert await stages(tenant.admin, crm_id) == [other]


async def test_a_crm_holds_a_bounded_number_of_stages(tenant):
    crm_id = await make_crm(tenant)
    almost_full = [
        Stage(name=f"S{i}", name_key=name_key(f"S{i}")).model_dump()
        for i in range(MAX_ITEMS_PER_LIST - 1)
    ]
    await Crm.find_one({"_id": PydanticObjectId(crm_id)}).update({"$set": {"stages": almost_full}})

    await create_stage(tenant, crm_id, "Last")
    full = await tenant.admin.op("CreateStage", input={"crmId": crm_id, "name": "Too many"})

    assert field_paths(full) == {"input.crmId"}
    names = await stage_names(tenant.admin, crm_id)
    assert len(names) == MAX_ITEMS_PER_LIST
    assert "Too many" not in names


async def test_without_a_crm_id_the_company_default_crm_is_used(tenant):
    crm_id = await make_crm(tenant, "Domyślny")
    await make_crm(tenant, "Inny")

    no_default = await tenant.admin.op("Stages")
    assert field_paths(no_default) == {"crmId"}
    create = await tenant.admin.op("CreateStage", input={"name": "Lead"})
    assert field_paths(create) == {"input.crmId"}

    await tenant.admin.op("UpdateCompanySettings", input={"defaultCrmId": crm_id})
    stage = await create_stage(tenant, None, "Lead")
    assert stage["crm"]["id"] == crm_id
    assert await stages(tenant.admin, None) == [stage]
    assert await stages(tenant.admin, crm_id) == [stage]


async def test_unknown_and_malformed_ids_are_not_found(tenant):
    crm_id = await make_crm(tenant)
    await create_stage(tenant, crm_id, "Lead")
    for bad_id in (NO_SUCH_ID, "not-an-id"):
        assert (await tenant.admin.op("Stages", crmId=bad_id)).error_code == "NOT_FOUND"
        create = await tenant.admin.op("CreateStage", input={"crmId": bad_id, "name": "X"})
        assert create.error_code == "NOT_FOUND"
        update = await tenant.admin.op("UpdateStage", id=bad_id, input={"name": "X"})
        assert update.error_code == "NOT_FOUND"
        assert (await tenant.admin.op("DeleteStage", id=bad_id)).error_code == "NOT_FOUND"
    assert await stage_names(tenant.admin, crm_id) == ["Lead"]


@pytest.mark.parametrize("role", ["SUPERVISOR", "AGENT"])
async def test_only_admins_change_stages_and_every_user_reads_them(tenant, role):
    crm_id = await make_crm(tenant)
    stage = await create_stage(tenant, crm_id, "Lead")
    member = (await tenant.add_user([role])).client

    create = await member.op("CreateStage", input={"crmId": crm_id, "name": "Mine"})
    update = await member.op("UpdateStage", id=stage["id"], input={"name": "X"})
    delete = await member.op("DeleteStage", id=stage["id"])

    assert [create.error_code, update.error_code, delete.error_code] == ["FORBIDDEN"] * 3
    assert await stages(member, crm_id) == [stage]


async def test_restricted_crm_hides_the_stages_of_crms_outside_the_callers_projects(tenant):
    mine = await make_crm(tenant, "Mine")
    hidden = await make_crm(tenant, "Hidden")
    await create_stage(tenant, hidden, "Lead")
    agent = await tenant.add_user(["AGENT"])
    await tenant.admin.op(
        "CreateProject", input={"name": "Agent's", "crmId": mine, "memberIds": [agent.id]}
    )
    await tenant.admin.op("UpdateCompanySettings", input={"restrictedCrm": True})

    assert await stages(agent.client, mine) == []
    assert (await agent.client.op("Stages", crmId=hidden)).error_code == "NOT_FOUND"
    assert await stage_names(tenant.admin, hidden) == ["Lead"]


async def test_another_companys_stages_are_not_found_and_stay_unchanged(tenant, new_tenant):
    crm_id = await make_crm(tenant)
    stage = await create_stage(tenant, crm_id, "Lead")
    other = (await new_tenant()).admin

    assert (await other.op("Stages", crmId=crm_id)).error_code == "NOT_FOUND"
    create = await other.op("CreateStage", input={"crmId": crm_id, "name": "Planted"})
    assert create.error_code == "NOT_FOUND"
    update = await other.op("UpdateStage", id=stage["id"], input={"name": "Stolen"})
    assert update.error_code == "NOT_FOUND"
    assert (await other.op("DeleteStage", id=stage["id"])).error_code == "NOT_FOUND"
    assert await stages(tenant.admin, crm_id) == [stage]


async def test_with_the_crm_disabled_stages_are_refused(tenant):
    crm_id = await make_crm(tenant)
    stage = await create_stage(tenant, crm_id, "Lead")
    await tenant.admin.op("UpdateCompanySettings", input={"crmEnabled": False})
    attempts = [
        ("Stages", {"crmId": crm_id}),
        ("CreateStage", {"input": {"crmId": crm_id, "name": "New"}}),
        ("UpdateStage", {"id": stage["id"], "input": {"name": "Renamed"}}),
        ("DeleteStage", {"id": stage["id"]}),
    ]
    for name, variables in attempts:
        assert (await tenant.admin.op(name, **variables)).error_code == "CRM_DISABLED", name

    await tenant.admin.op("UpdateCompanySettings", input={"crmEnabled": True})
    assert await stages(tenant.admin, crm_id) == [stage]
