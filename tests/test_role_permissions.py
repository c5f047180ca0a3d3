"""Permissions per role (issue 12.15): the company's settings give a role's users a permission
(DIAL), ``me { permissions }`` shows the effective ones, and dialing checks those."""

from typing import Any

import pytest

from tests.calls import CallDesk, call_desk
from tests.client import GraphQLClient, field_paths
from tests.conftest import Tenant

NONE = [
    {"role": "ADMIN", "permissions": []},
    {"role": "SUPERVISOR", "permissions": []},
    {"role": "AGENT", "permissions": []},
]


@pytest.fixture
async def desk(tenant: Tenant, services) -> CallDesk:
    return await call_desk(tenant, services)


async def role_permissions(client: GraphQLClient) -> list[dict[str, Any]]:
    return (await client.op("RolePermissions")).data["companySettings"]["rolePermissions"]


async def my_permissions(client: GraphQLClient) -> list[str]:
    return (await client.op("Me")).data["me"]["permissions"]


async def test_a_new_company_gives_no_role_a_permission(tenant):
    assert await role_permissions(tenant.admin) == NONE
    assert await my_permissions(tenant.admin) == []


async def test_dial_granted_to_a_role_lets_its_users_dial(desk):
    agent = await desk.tenant.add_user(["AGENT"])
    supervisor = await desk.tenant.add_user(["SUPERVISOR"])
    members = [desk.agent.id, agent.id]
    await desk.admin.op("UpdateProject", id=desk.project_id, input={"memberIds": members})
    jan = await desk.contact("Jan", "Kowalski", "500 000 001")
    assert (await agent.client.op("DialContact", contactId=jan)).error_code == "FORBIDDEN"

    granted = await desk.admin.op(
        "UpdateRolePermissions", rolePermissions=[{"role": "AGENT", "permissions": ["DIAL"]}]
    )

    expected = [
        {"role": "ADMIN", "permissions": []},
        {"role": "SUPERVISOR", "permissions": []},
        {"role": "AGENT", "permissions": ["DIAL"]},
    ]
    assert granted.data["updateCompanySettings"]["rolePermissions"] == expected
    assert await role_permissions(agent.client) == expected
    assert await my_permissions(agent.client) == ["DIAL"]
    assert await my_permissions(supervisor.client) == []
    dialed = await agent.client.op("DialContact", contactId=jan)
    assert dialed.data["dialContact"]["phone"] == "+48500000001"
    # The user's own list is unchanged: only `me` shows what the roles add.
    users = (await desk.admin.op("Users", first=20)).data["users"]["edges"]
    assert {u["node"]["id"]: u["node"]["permissions"] for u in users}[agent.id] == []

    await desk.admin.op(
        "UpdateRolePermissions", rolePermissions=[{"role": "AGENT", "permissions": []}]
    )
    assert await my_permissions(agent.client) == []
    assert (await agent.client.op("DialContact", contactId=jan)).error_code == "FORBIDDEN"
    # A user's own DIAL does not depend on the role.
    assert await my_permissions(desk.agent.client) == ["DIAL"]


async def test_bad_role_permissions_are_refused_and_change_nothing(desk):
    await desk.admin.op(
        "UpdateRolePermissions", rolePermissions=[{"role": "SUPERVISOR", "permissions": ["DIAL"]}]
    )
    before = await role_permissions(desk.admin)

    twice = await desk.admin.op(
        "UpdateRolePermissions",
        rolePermissions=[
            {"role": "AGENT", "permissions": ["DIAL"]},
            {"role": "AGENT", "permissions": []},
        ],
    )
    assert field_paths(twice) == {"input.rolePermissions.1.role"}
    assert field_paths(await desk.admin.op("UpdateRolePermissions", rolePermissions=None)) == {
        "input.rolePermissions"
    }
    by_agent = await desk.agent.client.op(
        "UpdateRolePermissions", rolePermissions=[{"role": "AGENT", "permissions": ["DIAL"]}]
    )
    assert by_agent.error_code == "FORBIDDEN"
    assert await role_permissions(desk.admin) == before
