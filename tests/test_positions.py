"""Contact positions (R6): CRUD by admins, names unique per company, deletion refused while
contacts hold a position, isolation of companies."""

from typing import Any

import pytest
from beanie import PydanticObjectId

from models.contact import Contact
from tests.client import NO_SUCH_ID, GraphQLClient, field_paths
from tests.conftest import Tenant, make_crm


async def create_position(tenant: Tenant, name: str) -> dict[str, Any]:
    return (await tenant.admin.op("CreatePosition", input={"name": name})).data["createPosition"]


async def positions(client: GraphQLClient) -> list[dict[str, Any]]:
    return (await client.op("Positions")).data["positions"]


async def position_names(client: GraphQLClient) -> list[str]:
    return [p["name"] for p in await positions(client)]


async def add_contact(tenant: Tenant, position_id: str, *, deleted: bool = False) -> Contact:
    """A contact holding the position, stored directly: the contacts API is not this subject."""
    return await Contact(
        tenant_id=PydanticObjectId(tenant.id),
        crm_id=PydanticObjectId(await make_crm(tenant, f"CRM {PydanticObjectId()}")),
        first_name="Anna",
        last_name="Nowak",
        position_id=PydanticObjectId(position_id),
        deleted=deleted,
    ).insert()


async def test_an_admin_creates_positions_listed_in_polish_order(tenant):
    created = await create_position(tenant, "  Kierownik sprzedaży  ")
    for name in ("Zastępca", "CEO", "Ćwiczący", "analityk"):
        await create_position(tenant, name)

    assert created["name"] == "Kierownik sprzedaży"
    assert created["createdAt"] == created["updatedAt"]
    assert await position_names(tenant.admin) == [
        "analityk",
        "CEO",
        "Ćwiczący",
        "Kierownik sprzedaży",
        "Zastępca",
    ]
    assert created in await positions(tenant.admin)


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "Must not be empty."), ("x" * 201, "At most")]
)
async def test_an_invalid_name_is_refused_and_nothing_is_stored(tenant, name, message):
    result = await tenant.admin.op("CreatePosition", input={"name": name})
    assert field_paths(result) == {"input.name"}
    assert message in result.error["message"]
    assert await positions(tenant.admin) == []


async def test_names_are_unique_in_the_company_ignoring_case_and_accents(tenant, new_tenant):
    first = await create_position(tenant, "Główny Księgowy")

    duplicate = await tenant.admin.op("CreatePosition", input={"name": " glowny  KSIEGOWY "})

    assert duplicate.error_code == "CONFLICT"
    assert duplicate.error["extensions"]["field"] == "name"
    assert duplicate.error["extensions"]["existingId"] == first["id"]
    assert await positions(tenant.admin) == [first]
    other = await new_tenant()
    assert (await create_position(other, "Główny Księgowy"))["name"] == "Główny Księgowy"


async def test_update_renames_and_keeps_the_creation_time(tenant):
    position = await create_position(tenant, "CEO")

    renamed = await tenant.admin.op("UpdatePosition", id=position["id"], input={"name": "Prezes"})

    updated = renamed.data["updatePosition"]
    assert (updated["id"], updated["name"]) == (position["id"], "Prezes")
    assert updated["createdAt"] == position["createdAt"]
    assert updated["updatedAt"] >= position["updatedAt"]
    assert await positions(tenant.admin) == [updated]


async def test_a_position_can_change_the_case_of_its_own_name(tenant):
    position = await create_position(tenant, "ceo")
    result = await tenant.admin.op("UpdatePosition", id=position["id"], input={"name": "CEO"})
    assert result.data["updatePosition"]["name"] == "CEO"


async def test_an_empty_update_changes_nothing(tenant):
    position = await create_position(tenant, "CEO")
    result = await tenant.admin.op("UpdatePosition", id=position["id"], input={})
    assert result.data["updatePosition"] == position


async def test_an_invalid_update_is_refused_and_changes_nothing(tenant):
    position = await create_position(tenant, "CEO")
    for name in (None, "  "):
        result = await tenant.admin.op("UpdatePosition", id=position["id"], input={"name": name})
        assert field_paths(result) == {"input.name"}
    assert await positions(tenant.admin) == [position]


async def test_renaming_onto_another_position_conflicts_and_changes_nothing(tenant):
    ceo = await create_position(tenant, "CEO")
    cto = await create_position(tenant, "CTO")

    result = await tenant.admin.op("UpdatePosition", id=cto["id"], input={"name": "Ceo"})

    assert result.error_code == "CONFLICT"
    assert result.error["extensions"]["existingId"] == ceo["id"]
    assert await positions(tenant.admin) == [ceo, cto]


async def test_delete_returns_the_position_and_removes_it(tenant):
    ceo = await create_position(tenant, "CEO")
    cto = await create_position(tenant, "CTO")

    deleted = await tenant.admin.op("DeletePosition", id=ceo["id"])

    assert deleted.data["deletePosition"] == ceo
    assert await positions(tenant.admin) == [cto]
    again = await tenant.admin.op("DeletePosition", id=ceo["id"])
    assert again.error_code == "NOT_FOUND"
    update = await tenant.admin.op("UpdatePosition", id=ceo["id"], input={"name": "X"})
    assert update.error_code == "NOT_FOUND"


async def test_a_position_that_contacts_hold_is_not_deleted(tenant):
    used = await create_position(tenant, "CEO")
    other = await create_position(tenant, "CTO")
    live = await add_contact(tenant, used["id"])
    gone = await add_contact(tenant, used["id"], deleted=True)
    await add_contact(tenant, other["id"])

    refused = await tenant.admin.op("DeletePosition", id=used["id"])

    assert refused.error_code == "CONFLICT"
    assert refused.error["extensions"]["contactCount"] == 2
    assert refused.error["extensions"]["existingId"] in {str(live.id), str(gone.id)}
    assert await positions(tenant.admin) == [used, other]

    await live.delete()
    assert (await tenant.admin.op("DeletePosition", id=used["id"])).error_code == "CONFLICT"
    await gone.delete()
    deleted = await tenant.admin.op("DeletePosition", id=used["id"])
    assert deleted.data["deletePosition"] == used
    assert await positions(tenant.admin) == [other]


@pytest.mark.parametrize("role", ["SUPERVISOR", "AGENT"])
async def test_only_admins_change_positions_and_every_user_reads_them(tenant, role):
    position = await create_position(tenant, "CEO")
    member = (await tenant.add_user([role])).client

    create = await member.op("CreatePosition", input={"name": "Mine"})
    update = await member.op("UpdatePosition", id=position["id"], input={"name": "X"})
    delete = await member.op("DeletePosition", id=position["id"])

    assert [create.error_code, update.error_code, delete.error_code] == ["FORBIDDEN"] * 3
    assert await positions(member) == [position]


async def test_positions_need_a_user_of_a_company(anonymous, operator):
    assert (await anonymous.op("Positions")).error_code == "UNAUTHENTICATED"
    assert (await operator.op("Positions")).error_code == "FORBIDDEN"
    create = await operator.op("CreatePosition", input={"name": "Ops"})
    assert create.error_code == "FORBIDDEN"


async def test_another_companys_positions_are_not_found_and_stay_unchanged(tenant, new_tenant):
    ours = await create_position(tenant, "CEO")
    other = await new_tenant()
    theirs = await create_position(other, "CTO")

    assert await positions(other.admin) == [theirs]
    for position_id in (ours["id"], NO_SUCH_ID, "not-an-id"):
        update = await other.admin.op("UpdatePosition", id=position_id, input={"name": "Stolen"})
        assert update.error_code == "NOT_FOUND"
        assert (await other.admin.op("DeletePosition", id=position_id)).error_code == "NOT_FOUND"
    assert await positions(tenant.admin) == [ours]


async def test_with_the_crm_disabled_positions_are_refused(tenant):
    position = await create_position(tenant, "CEO")
    await tenant.admin.op("UpdateCompanySettings", input={"crmEnabled": False})
    attempts = [
        ("Positions", {}),
        ("CreatePosition", {"input": {"name": "New"}}),
        ("UpdatePosition", {"id": position["id"], "input": {"name": "Renamed"}}),
        ("DeletePosition", {"id": position["id"]}),
    ]
    for name, variables in attempts:
        assert (await tenant.admin.op(name, **variables)).error_code == "CRM_DISABLED", name

    await tenant.admin.op("UpdateCompanySettings", input={"crmEnabled": True})
    assert await positions(tenant.admin) == [position]
