"""Acquisition sources (R9): the system sources every CRM has from its creation (never renamed or
deleted), the company's own sources, deletion refused while contacts name a source."""

from typing import Any

import pytest
from beanie import PydanticObjectId

from models.contact import Contact
from tests.client import NO_SUCH_ID, GraphQLClient, field_paths
from tests.conftest import Tenant, make_crm

SYSTEM_SOURCES = [
    ("INBOUND_CALL", "Połączenie przychodzące"),
    ("OUTBOUND_CALL", "Połączenie wychodzące"),
    ("EMAIL", "E-mail"),
    ("WEBSITE", "Strona WWW"),
    ("CHAT", "Czat"),
    ("IMPORT", "Import"),
    ("REFERRAL", "Polecenie"),
    ("OTHER", "Inne"),
]


async def sources(client: GraphQLClient, crm_id: str | None) -> list[dict[str, Any]]:
    return (await client.op("AcquisitionSources", crmId=crm_id)).data["acquisitionSources"]


async def own_sources(client: GraphQLClient, crm_id: str) -> list[dict[str, Any]]:
    return [s for s in await sources(client, crm_id) if not s["system"]]


async def system_source(client: GraphQLClient, crm_id: str, key: str) -> dict[str, Any]:
    return next(s for s in await sources(client, crm_id) if s["systemKey"] == key)


async def create_source(tenant: Tenant, crm_id: str | None, name: str) -> dict[str, Any]:
    input_ = {"name": name} if crm_id is None else {"name": name, "crmId": crm_id}
    result = await tenant.admin.op("CreateAcquisitionSource", input=input_)
    return result.data["createAcquisitionSource"]


async def add_contact(tenant: Tenant, crm_id: str, source_id: str, *, deleted=False) -> Contact:
    """A contact naming the source, stored directly: the contacts API is not this subject."""
    return await Contact(
        tenant_id=PydanticObjectId(tenant.id),
        crm_id=PydanticObjectId(crm_id),
        first_name="Anna",
        last_name="Nowak",
        acquisition_source_id=PydanticObjectId(source_id),
        deleted=deleted,
    ).insert()


async def test_a_crm_created_through_the_api_has_the_system_sources(tenant):
    created = await tenant.admin.op("CreateCrm", input={"name": "Sprzedaż"})
    crm_id = created.data["createCrm"]["id"]

    listed = await sources(tenant.admin, crm_id)

    assert [(s["systemKey"], s["name"]) for s in listed] == SYSTEM_SOURCES
    assert all(s["system"] for s in listed)
    assert len({s["id"] for s in listed}) == len(SYSTEM_SOURCES)
    crm = (await tenant.admin.op("CrmAcquisitionSources", id=crm_id)).data["crm"]
    assert crm["acquisitionSources"] == listed


async def test_every_crm_has_system_sources_of_its_own(tenant):
    first = await make_crm(tenant, "First")
    second = await make_crm(tenant, "Second")
    first_ids = {s["id"] for s in await sources(tenant.admin, first)}
    second_ids = {s["id"] for s in await sources(tenant.admin, second)}
    assert len(first_ids) == len(second_ids) == len(SYSTEM_SOURCES)
    assert first_ids.isdisjoint(second_ids)


@pytest.mark.parametrize("key", ["EMAIL", "OTHER"])
async def test_system_sources_cannot_be_renamed_or_deleted(tenant, key):
    crm_id = await make_crm(tenant)
    source = await system_source(tenant.admin, crm_id, key)
    before = await sources(tenant.admin, crm_id)

    rename = await tenant.admin.op(
        "UpdateAcquisitionSource", id=source["id"], input={"name": "Renamed"}
    )
    delete = await tenant.admin.op("DeleteAcquisitionSource", id=source["id"])

    for result in (rename, delete):
        assert field_paths(result) == {"id"}
        assert result.error["message"] == "System sources cannot be renamed or deleted."
    assert await sources(tenant.admin, crm_id) == before
    unchanged = await tenant.admin.op("UpdateAcquisitionSource", id=source["id"], input={})
    assert unchanged.data["updateAcquisitionSource"] == source


async def test_own_sources_follow_the_system_ones_in_polish_order(tenant):
    crm_id = await make_crm(tenant)
    created = [await create_source(tenant, crm_id, n) for n in ("Targi", "  Ćwiczenia ", "baner")]

    assert created[1] == {
        "id": created[1]["id"],
        "name": "Ćwiczenia",
        "system": False,
        "systemKey": None,
    }
    listed = await sources(tenant.admin, crm_id)
    assert [s["systemKey"] for s in listed[: len(SYSTEM_SOURCES)]] == [k for k, _ in SYSTEM_SOURCES]
    assert [s["name"] for s in listed[len(SYSTEM_SOURCES) :]] == ["baner", "Ćwiczenia", "Targi"]


async def test_an_empty_name_is_refused_and_nothing_is_stored(tenant):
    crm_id = await make_crm(tenant)
    result = await tenant.admin.op(
        "CreateAcquisitionSource", input={"crmId": crm_id, "name": "   "}
    )
    assert field_paths(result) == {"input.name"}
    assert await own_sources(tenant.admin, crm_id) == []


async def test_names_are_unique_within_a_crm_system_names_included(tenant):
    crm_id = await make_crm(tenant)
    email = await system_source(tenant.admin, crm_id, "EMAIL")
    fair = await create_source(tenant, crm_id, "Targi")

    for name, holder in [("e-mail", email), ("TARGI", fair)]:
        result = await tenant.admin.op(
            "CreateAcquisitionSource", input={"crmId": crm_id, "name": name}
        )
        assert result.error_code == "CONFLICT"
        assert result.error["extensions"]["field"] == "name"
        assert result.error["extensions"]["existingId"] == holder["id"]
    assert await own_sources(tenant.admin, crm_id) == [fair]
    other_crm = await make_crm(tenant, "Other")
    assert (await create_source(tenant, other_crm, "Targi"))["name"] == "Targi"


async def test_an_own_source_is_renamed_unless_the_name_is_taken(tenant):
    crm_id = await make_crm(tenant)
    fair = await create_source(tenant, crm_id, "Targi")

    renamed = await tenant.admin.op(
        "UpdateAcquisitionSource", id=fair["id"], input={"name": "Targi branżowe"}
    )
    assert renamed.data["updateAcquisitionSource"] == {**fair, "name": "Targi branżowe"}

    taken = await tenant.admin.op("UpdateAcquisitionSource", id=fair["id"], input={"name": "czat"})
    assert taken.error_code == "CONFLICT"
    bad = [
        await tenant.admin.op("UpdateAcquisitionSource", id=fair["id"], input={"name": name})
        for name in (None, "")
    ]
    assert [field_paths(result) for result in bad] == [{"input.name"}] * 2
    assert await own_sources(tenant.admin, crm_id) == [renamed.data["updateAcquisitionSource"]]


async def test_an_own_source_is_deleted_unless_contacts_name_it(tenant):
    crm_id = await make_crm(tenant)
    used = await create_source(tenant, crm_id, "Targi")
    unused = await create_source(tenant, crm_id, "Baner")
    gone = await add_contact(tenant, crm_id, used["id"], deleted=True)

    refused = await tenant.admin.op("DeleteAcquisitionSource", id=used["id"])
    assert refused.error_code == "CONFLICT"
    assert refused.error["extensions"]["contactCount"] == 1
    assert refused.error["extensions"]["existingId"] == str(gone.id)

    deleted = await tenant.admin.op("DeleteAcquisitionSource", id=unused["id"])
    assert deleted.data["deleteAcquisitionSource"] == unused
    assert await own_sources(tenant.admin, crm_id) == [used]
    again = await tenant.admin.op("DeleteAcquisitionSource", id=unused["id"])
    assert again.error_code == "NOT_FOUND"


async def test_a_crm_stored_before_sources_existed_gets_stable_system_sources(tenant, services):
    crm_id = await make_crm(tenant)
    crms = services.database.db["crms"]
    await crms.update_one({"_id": PydanticObjectId(crm_id)}, {"$unset": {"acquisition_sources": 1}})

    first_read = await sources(tenant.admin, crm_id)
    assert [(s["systemKey"], s["name"]) for s in first_read] == SYSTEM_SOURCES
    assert await sources(tenant.admin, crm_id) == first_read

    fair = await create_source(tenant, crm_id, "Targi")

    assert await sources(tenant.admin, crm_id) == [*first_read, fair]
    stored = await crms.find_one({"_id": PydanticObjectId(crm_id)})
    assert [str(s["id"]) for s in stored["acquisition_sources"]] == [
        s["id"] for s in [*first_read, fair]
    ]


async def test_without_a_crm_id_the_company_default_crm_is_used(tenant):
    crm_id = await make_crm(tenant, "Domyślny")

    assert field_paths(await tenant.admin.op("AcquisitionSources")) == {"crmId"}
    no_default = await tenant.admin.op("CreateAcquisitionSource", input={"name": "Targi"})
    assert field_paths(no_default) == {"input.crmId"}

    await tenant.admin.op("UpdateCompanySettings", input={"defaultCrmId": crm_id})
    fair = await create_source(tenant, None, "Targi")
    assert await sources(tenant.admin, None) == await sources(tenant.admin, crm_id)
    assert await own_sources(tenant.admin, crm_id) == [fair]


@pytest.mark.parametrize("role", ["SUPERVISOR", "AGENT"])
async def test_only_admins_change_sources_and_every_user_reads_them(tenant, role):
    crm_id = await make_crm(tenant)
    fair = await create_source(tenant, crm_id, "Targi")
    member = (await tenant.add_user([role])).client

    create = await member.op("CreateAcquisitionSource", input={"crmId": crm_id, "name": "Mine"})
    update = await member.op("UpdateAcquisitionSource", id=fair["id"], input={"name": "X"})
    delete = await member.op("DeleteAcquisitionSource", id=fair["id"])

    assert [create.error_code, update.error_code, delete.error_code] == ["FORBIDDEN"] * 3
    assert await sources(member, crm_id) == await sources(tenant.admin, crm_id)
    assert await own_sources(member, crm_id) == [fair]


async def test_another_companys_sources_are_not_found_and_stay_unchanged(tenant, new_tenant):
    crm_id = await make_crm(tenant)
    fair = await create_source(tenant, crm_id, "Targi")
    before = await sources(tenant.admin, crm_id)
    other = (await new_tenant()).admin

    assert (await other.op("AcquisitionSources", crmId=crm_id)).error_code == "NOT_FOUND"
    create = await other.op("CreateAcquisitionSource", input={"crmId": crm_id, "name": "Planted"})
    assert create.error_code == "NOT_FOUND"
    for source_id in (fair["id"], before[0]["id"], NO_SUCH_ID, "not-an-id"):
        update = await other.op("UpdateAcquisitionSource", id=source_id, input={"name": "X"})
        assert update.error_code == "NOT_FOUND"
        delete = await other.op("DeleteAcquisitionSource", id=source_id)
        assert delete.error_code == "NOT_FOUND"
    assert await sources(tenant.admin, crm_id) == before


async def test_with_the_crm_disabled_sources_are_refused(tenant):
    crm_id = await make_crm(tenant)
    fair = await create_source(tenant, crm_id, "Targi")
    before = await sources(tenant.admin, crm_id)
    await tenant.admin.op("UpdateCompanySettings", input={"crmEnabled": False})
    attempts = [
        ("AcquisitionSources", {"crmId": crm_id}),
        ("CreateAcquisitionSource", {"input": {"crmId": crm_id, "name": "New"}}),
        ("UpdateAcquisitionSource", {"id": fair["id"], "input": {"name": "Renamed"}}),
        ("DeleteAcquisitionSource", {"id": fair["id"]}),
    ]
    for name, variables in attempts:
        assert (await tenant.admin.op(name, **variables)).error_code == "CRM_DISABLED", name

    await tenant.admin.op("UpdateCompanySettings", input={"crmEnabled": True})
    assert await sources(tenant.admin, crm_id) == before
