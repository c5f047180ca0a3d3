"""The Kanban board (R7): the stages shown on it, in order, with their contacts."""

from tests.client import field_paths
from tests.records import with_default_crm


async def stage(crm, name, **fields) -> str:
    created = await crm.admin.op("CreateStage", input={"name": name, **fields})
    return created.data["createStage"]["id"]


async def contact(crm, last_name, stage_id=None) -> str:
    created = await crm.admin.op(
        "CreateContact", input={"firstName": "A", "lastName": last_name, "stageId": stage_id}
    )
    return created.data["createContact"]["id"]


async def test_columns_follow_kanban_position_and_hold_their_contacts_by_name(tenant):
    crm = await with_default_crm(tenant)
    won = await stage(crm, "Klient", kanbanPosition=2)
    lead = await stage(crm, "Lead", kanbanPosition=1)
    await stage(crm, "Archiwum", showInKanban=False)
    for name in ("Żak", "Łoś", "Lis", "Zając"):
        await contact(crm, name, lead)
    await contact(crm, "Nowak", won)
    await contact(crm, "Bez etapu")

    board = (await crm.admin.op("Kanban", first=3)).data["kanban"]
    assert [column["stage"]["name"] for column in board] == ["Lead", "Klient"]
    lead_column = board[0]
    assert lead_column["totalCount"] == 4
    names = [edge["node"]["lastName"] for edge in lead_column["contacts"]["edges"]]
    assert names == ["Lis", "Łoś", "Zając"]
    assert lead_column["contacts"]["pageInfo"]["hasNextPage"] is True
    assert board[1]["totalCount"] == 1


async def test_moving_a_contact_changes_its_column(tenant):
    crm = await with_default_crm(tenant)
    lead = await stage(crm, "Lead", kanbanPosition=1)
    won = await stage(crm, "Klient", kanbanPosition=2)
    contact_id = await contact(crm, "Nowak", lead)
    moved = await crm.admin.op("MoveContactToStage", contactId=contact_id, stageId=won)
    assert moved.data["moveContactToStage"]["stage"]["id"] == won
    board = (await crm.admin.op("Kanban")).data["kanban"]
    assert [column["totalCount"] for column in board] == [0, 1]


async def test_a_stage_of_another_crm_is_refused_and_nothing_moves(tenant):
    crm = await with_default_crm(tenant)
    lead = await stage(crm, "Lead")
    other = await tenant.admin.op("CreateCrm", input={"name": "Inny"})
    foreign = await tenant.admin.op(
        "CreateStage", input={"name": "Obcy", "crmId": other.data["createCrm"]["id"]}
    )
    contact_id = await contact(crm, "Nowak", lead)
    refused = await crm.admin.op(
        "MoveContactToStage", contactId=contact_id, stageId=foreign.data["createStage"]["id"]
    )
    assert field_paths(refused) == {"stageId"}
    board = (await crm.admin.op("Kanban")).data["kanban"]
    assert board[0]["totalCount"] == 1
