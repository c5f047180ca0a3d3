"""Read-then-write rules under concurrent requests (issue 12.5): the per-entity field cap, the
last-admin guard and the LDAP settings' required fields hold however the requests interleave."""

import asyncio
from typing import Any

from beanie import PydanticObjectId

from models.user import User
from resolvers.fields import service as fields
from tests.client import Result, field_paths
from tests.conftest import Tenant, login

CONCURRENT = 12


def refused_paths(results: list[Result]) -> set[str]:
    """The paths of every refusal among ``results`` (each a VALIDATION_FAILED)."""
    return {path for result in results if result.errors for path in field_paths(result)}


async def test_concurrent_creates_at_the_field_cap_store_only_what_fits(tenant, monkeypatch):
    monkeypatch.setattr(fields, "MAX_FIELDS_PER_ENTITY", 3)
    for name in ("A", "B"):
        await tenant.admin.op(
            "CreateFieldDefinition", input={"entity": "CONTACT", "name": name, "type": "TEXT"}
        )

    results = await asyncio.gather(
        *(
            tenant.admin.op(
                "CreateFieldDefinition",
                input={"entity": "CONTACT", "name": f"Field {n}", "type": "TEXT"},
            )
            for n in range(CONCURRENT)
        )
    )

    assert sum(not result.errors for result in results) == 1
    assert refused_paths(results) == {"input.entity"}
    listed = (await tenant.admin.op("FieldDefinitions", entity="CONTACT")).data
    assert len(listed["fieldDefinitions"]) == 3


async def test_concurrent_demotions_of_the_last_two_admins_keep_one(tenant: Tenant):
    me = (await tenant.admin.op("Me")).data["me"]["id"]
    second = await tenant.add_user(["ADMIN"])
    changes: list[tuple[Any, str, dict[str, Any]]] = [
        (tenant.admin, second.id, {"roles": ["AGENT"]}),
        (second.client, me, {"roles": ["AGENT"]}),
        (tenant.admin, me, {"active": False}),
        (second.client, second.id, {"active": False}),
    ]

    results = await asyncio.gather(
        *(client.op("UpdateUser", id=user_id, input=input_) for client, user_id, input_ in changes)
    )

    assert any(not result.errors for result in results)
    assert refused_paths(results) <= {"input.roles", "input.active"}
    admins = await User.find(
        {"tenant_id": PydanticObjectId(tenant.id), "roles": "ADMIN", "active": True}
    ).to_list()
    assert len(admins) == 1
    assert (await login(tenant.admin, admins[0].email)).token


LDAP = {"url": "ldaps://dc1.example.com", "baseDn": "dc=example,dc=com", "enabled": False}


async def test_concurrent_ldap_changes_never_leave_it_enabled_without_a_url(tenant: Tenant):
    for _ in range(4):
        await tenant.admin.op("UpdateCompanySettings", input={"ldap": LDAP})

        results = await asyncio.gather(
            *(
                tenant.admin.op("UpdateCompanySettings", input={"ldap": change})
                for n in range(CONCURRENT // 2)
                for change in ({"enabled": True}, {"url": None})
            )
        )

        assert refused_paths(results) <= {"input.ldap.url"}
        ldap = (await tenant.admin.op("CompanySettings")).data["companySettings"]["ldap"]
        assert not (ldap["enabled"] and ldap["url"] is None), ldap
