"""Users (R3): creation and validation, email uniqueness, partial updates, the last-admin guard,
pagination, and who may do what."""

from typing import Any

from tests.client import NO_SUCH_ID, field_paths
from tests.conftest import PASSWORD, Tenant, login


def user_input(email: str, **fields: Any) -> dict[str, Any]:
    return {"email": email, "password": PASSWORD, "displayName": "Jan Kowalski", **fields}


async def all_users(tenant: Tenant) -> dict[str, dict[str, Any]]:
    """Every user of the company by id, read through the API."""
    page = (await tenant.admin.op("Users", first=200)).data["users"]
    return {edge["node"]["id"]: edge["node"] for edge in page["edges"]}


async def admin_id(tenant: Tenant) -> str:
    return (await tenant.admin.op("Me")).data["me"]["id"]


async def test_an_admin_creates_a_user_who_can_log_in(tenant, anonymous):
    created = await tenant.admin.op(
        "CreateUser",
        input=user_input(
            "  Jan.Kowalski@Example.COM ",
            displayName="  Jan  ",
            roles=["AGENT", "SUPERVISOR", "AGENT"],
            permissions=["DIAL"],
        ),
    )
    user = created.data["createUser"]
    assert user["email"] == "jan.kowalski@example.com"
    assert user["displayName"] == "Jan"
    assert user["roles"] == ["AGENT", "SUPERVISOR"]
    assert user["permissions"] == ["DIAL"]
    assert user["active"] is True
    assert (await all_users(tenant))[user["id"]] == user
    client = await login(anonymous, "JAN.KOWALSKI@example.com")
    assert (await client.op("Me")).data["me"]["id"] == user["id"]


async def test_create_reports_every_invalid_value_and_stores_nothing(tenant, anonymous):
    before = await all_users(tenant)
    result = await tenant.admin.op(
        "CreateUser",
        input={
            "email": "not-an-email",
            "password": "short",
            "displayName": "   ",
            "roles": [],
        },
    )
    assert field_paths(result) == {
        "input.email",
        "input.password",
        "input.displayName",
        "input.roles",
    }
    assert await all_users(tenant) == before
    valid_email = await tenant.admin.op("CreateUser", input=user_input("x@valid.example", roles=[]))
    assert field_paths(valid_email) == {"input.roles"}
    failed = await anonymous.op("Login", email="x@valid.example", password=PASSWORD)
    assert failed.error_code == "UNAUTHENTICATED"
    assert await all_users(tenant) == before


async def test_emails_are_unique_across_companies_but_only_own_holders_are_named(
    tenant, new_tenant
):
    other = await new_tenant()
    colleague = await tenant.add_user(["AGENT"])
    stranger = await other.add_user(["AGENT"])
    before = await all_users(tenant)

    same_company = await tenant.admin.op("CreateUser", input=user_input(colleague.email.upper()))
    assert same_company.error_code == "CONFLICT"
    assert same_company.error["extensions"]["field"] == "email"
    assert same_company.error["extensions"]["existingId"] == colleague.id

    other_company = await tenant.admin.op("CreateUser", input=user_input(stranger.email))
    assert other_company.error_code == "CONFLICT"
    assert other_company.error["extensions"]["field"] == "email"
    assert "existingId" not in other_company.error["extensions"]
    assert stranger.id not in str(other_company.body)

    assert await all_users(tenant) == before


async def test_taking_an_email_in_an_update_conflicts_and_changes_nothing(tenant, new_tenant):
    other = await new_tenant()
    stranger = await other.add_user(["AGENT"])
    agent = await tenant.add_user(["AGENT"])
    colleague = await tenant.add_user(["AGENT"])
    before = await all_users(tenant)

    own = await tenant.admin.op("UpdateUser", id=agent.id, input={"email": colleague.email})
    assert own.error_code == "CONFLICT"
    assert own.error["extensions"]["existingId"] == colleague.id
    foreign = await tenant.admin.op("UpdateUser", id=agent.id, input={"email": stranger.email})
    assert foreign.error_code == "CONFLICT"
    assert "existingId" not in foreign.error["extensions"]

    assert await all_users(tenant) == before


async def test_update_changes_only_the_fields_given(tenant, anonymous):
    agent = await tenant.add_user(["AGENT"])
    before = (await all_users(tenant))[agent.id]

    renamed = await tenant.admin.op("UpdateUser", id=agent.id, input={"displayName": " Ola "})
    after = renamed.data["updateUser"]
    assert after == {**before, "displayName": "Ola", "updatedAt": after["updatedAt"]}

    promoted = await tenant.admin.op(
        "UpdateUser",
        id=agent.id,
        input={"roles": ["SUPERVISOR"], "permissions": ["DIAL"], "email": "OLA@new.example"},
    )
    assert promoted.data["updateUser"]["roles"] == ["SUPERVISOR"]
    assert promoted.data["updateUser"]["permissions"] == ["DIAL"]
    assert promoted.data["updateUser"]["email"] == "ola@new.example"
    assert promoted.data["updateUser"]["displayName"] == "Ola"
    assert (await all_users(tenant))[agent.id] == promoted.data["updateUser"]

    new_password = "another long password"
    await tenant.admin.op("UpdateUser", id=agent.id, input={"password": new_password})
    old = await anonymous.op("Login", email="ola@new.example", password=PASSWORD)
    assert old.error_code == "UNAUTHENTICATED"
    assert await login(anonymous, "ola@new.example", new_password)


async def test_update_refuses_nulls_and_invalid_values_and_changes_nothing(tenant):
    agent = await tenant.add_user(["AGENT"])
    before = await all_users(tenant)

    nulls = await tenant.admin.op(
        "UpdateUser",
        id=agent.id,
        input={
            "email": None,
            "password": None,
            "displayName": None,
            "roles": None,
            "permissions": None,
            "active": None,
        },
    )
    assert field_paths(nulls) == {
        "input.email",
        "input.password",
        "input.displayName",
        "input.roles",
        "input.permissions",
        "input.active",
    }
    invalid = await tenant.admin.op(
        "UpdateUser",
        id=agent.id,
        input={"email": "a@b", "password": "short", "displayName": "", "roles": []},
    )
    assert field_paths(invalid) == {
        "input.email",
        "input.password",
        "input.displayName",
        "input.roles",
    }
    assert await all_users(tenant) == before


async def test_unknown_and_malformed_user_ids_are_not_found(tenant):
    for user_id in (NO_SUCH_ID, "not-an-id"):
        result = await tenant.admin.op("UpdateUser", id=user_id, input={"displayName": "X"})
        assert result.error_code == "NOT_FOUND"


async def test_the_last_active_admin_keeps_the_admin_role_and_stays_active(tenant):
    me = await admin_id(tenant)
    before = await all_users(tenant)

    demoted = await tenant.admin.op("UpdateUser", id=me, input={"roles": ["SUPERVISOR"]})
    assert field_paths(demoted) == {"input.roles"}
    deactivated = await tenant.admin.op("UpdateUser", id=me, input={"active": False})
    assert field_paths(deactivated) == {"input.active"}
    assert await all_users(tenant) == before

    # An inactive second admin does not count ...
    second = await tenant.add_user(["ADMIN"])
    await tenant.admin.op("UpdateUser", id=second.id, input={"active": False})
    still = await tenant.admin.op("UpdateUser", id=me, input={"roles": ["AGENT"]})
    assert field_paths(still) == {"input.roles"}

    # ... an active one does.
    await tenant.admin.op("UpdateUser", id=second.id, input={"active": True})
    stepped_down = await tenant.admin.op("UpdateUser", id=me, input={"roles": ["ADMIN", "AGENT"]})
    assert stepped_down.data["updateUser"]["roles"] == ["ADMIN", "AGENT"]
    # Its tokens from before the deactivation no longer work: it logs in again.
    assert (await second.client.op("Me")).status == 401
    second_admin = await login(tenant.admin, second.email)
    demoted = await second_admin.op("UpdateUser", id=me, input={"roles": ["AGENT"]})
    assert demoted.data["updateUser"]["roles"] == ["AGENT"]
    last = await second_admin.op("UpdateUser", id=second.id, input={"active": False})
    assert field_paths(last) == {"input.active"}


async def test_users_are_paged_by_email_with_a_total_count(tenant):
    for _ in range(4):
        await tenant.add_user(["AGENT"])
    expected = sorted(user["email"] for user in (await all_users(tenant)).values())
    assert len(expected) == 5

    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = (await tenant.admin.op("Users", first=2, after=after)).data["users"]
        assert page["totalCount"] == 5
        assert len(page["edges"]) <= 2
        seen += [edge["node"]["email"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == expected
    assert pages == 3

    bad_cursor = await tenant.admin.op("Users", first=2, after="garbage")
    assert bad_cursor.error_code == "VALIDATION_FAILED"
    assert bad_cursor.error["extensions"]["field"] == "after"


async def test_supervisors_list_users_and_only_admins_change_them(tenant):
    supervisor = await tenant.add_user(["SUPERVISOR"])
    agent = await tenant.add_user(["AGENT"])
    before = await all_users(tenant)

    listed = (await supervisor.client.op("Users")).data["users"]
    assert listed["totalCount"] == 3
    assert (await agent.client.op("Users")).error_code == "FORBIDDEN"
    for member in (supervisor, agent):
        create = await member.client.op("CreateUser", input=user_input("new@sneaky.example"))
        assert create.error_code == "FORBIDDEN"
        update = await member.client.op(
            "UpdateUser", id=member.id, input={"roles": ["ADMIN"], "displayName": "Boss"}
        )
        assert update.error_code == "FORBIDDEN"
    assert await all_users(tenant) == before
