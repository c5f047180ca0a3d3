"""Company settings (R1): read by every user (LDAP by admins only), changed by admins, partially."""

from typing import Any

import pytest
from beanie import PydanticObjectId

from models.company import Company
from tests.client import NO_SUCH_ID, GraphQLClient, Result, field_paths
from tests.conftest import Tenant, make_crm

DEFAULTS = {
    "crmEnabled": True,
    "restrictedCrm": False,
    "defaultCrmId": None,
    "defaultCrm": None,
    "callerIdAuthentication": False,
    "defaultPhoneRegion": "PL",
    "ldap": {
        "enabled": False,
        "url": None,
        "baseDn": None,
        "bindDn": None,
        "bindPassword": {"isSet": False, "last4": None},
        "userFilter": None,
    },
}

BIND_PASSWORD = "s3cret-bind-password-1234"
LDAP = {
    "enabled": True,
    "url": " ldaps://dc1.example.com:636 ",
    "baseDn": "ou=people,dc=example,dc=com",
    "bindDn": "cn=crm\\, service,ou=apps,dc=example,dc=com",
    "bindPassword": BIND_PASSWORD,
    "userFilter": "(&(objectClass=person)(uid={login}))",
}


async def read_settings(tenant: Tenant) -> dict[str, Any]:
    return (await tenant.admin.op("CompanySettings")).data["companySettings"]


async def update(tenant: Tenant, **input_: Any) -> Result:
    return await tenant.admin.op("UpdateCompanySettings", input=input_)


async def stored_company(tenant: Tenant) -> Company:
    company = await Company.get(PydanticObjectId(tenant.id))
    assert company is not None
    return company


async def test_a_new_company_has_the_default_settings(tenant):
    assert await read_settings(tenant) == DEFAULTS


async def test_an_admin_changes_only_the_settings_given(tenant):
    changed = await update(
        tenant, restrictedCrm=True, callerIdAuthentication=True, defaultPhoneRegion=" de "
    )
    expected = {
        **DEFAULTS,
        "restrictedCrm": True,
        "callerIdAuthentication": True,
        "defaultPhoneRegion": "DE",
    }
    assert changed.data["updateCompanySettings"] == expected
    assert await read_settings(tenant) == expected

    again = await update(tenant, crmEnabled=False)
    assert again.data["updateCompanySettings"] == {**expected, "crmEnabled": False}
    assert await read_settings(tenant) == {**expected, "crmEnabled": False}


async def test_an_empty_update_changes_nothing(tenant):
    assert (await update(tenant)).data["updateCompanySettings"] == DEFAULTS


async def test_the_default_crm_is_one_of_the_company_and_null_clears_it(tenant):
    crm_id = await make_crm(tenant, "Sprzedaż")

    chosen = await update(tenant, defaultCrmId=crm_id)
    assert chosen.data["updateCompanySettings"]["defaultCrmId"] == crm_id
    assert chosen.data["updateCompanySettings"]["defaultCrm"] == {"id": crm_id, "name": "Sprzedaż"}

    for bad in (NO_SUCH_ID, "not-an-id"):
        assert field_paths(await update(tenant, defaultCrmId=bad)) == {"input.defaultCrmId"}
    assert (await read_settings(tenant))["defaultCrmId"] == crm_id

    cleared = await update(tenant, defaultCrmId=None)
    assert cleared.data["updateCompanySettings"]["defaultCrmId"] is None
    assert await read_settings(tenant) == DEFAULTS


async def test_invalid_values_and_nulls_are_refused_and_change_nothing(tenant):
    nulls = await update(
        tenant,
        crmEnabled=None,
        restrictedCrm=None,
        callerIdAuthentication=None,
        defaultPhoneRegion=None,
        ldap=None,
    )
    assert field_paths(nulls) == {
        "input.crmEnabled",
        "input.restrictedCrm",
        "input.callerIdAuthentication",
        "input.defaultPhoneRegion",
        "input.ldap",
    }
    bad = await update(tenant, restrictedCrm=True, defaultPhoneRegion="XX", defaultCrmId=NO_SUCH_ID)
    assert field_paths(bad) == {"input.defaultPhoneRegion", "input.defaultCrmId"}
    assert await read_settings(tenant) == DEFAULTS


@pytest.mark.parametrize("region", ["POL", "", "001", "E1"])
async def test_the_phone_region_must_be_one_phonenumbers_knows(tenant, region):
    assert field_paths(await update(tenant, defaultPhoneRegion=region)) == {
        "input.defaultPhoneRegion"
    }
    assert (await read_settings(tenant))["defaultPhoneRegion"] == "PL"


async def test_ldap_settings_are_stored_with_the_password_encrypted(tenant, services):
    result = await update(tenant, ldap=LDAP)

    expected_ldap = {
        **LDAP,
        "url": "ldaps://dc1.example.com:636",
        "bindPassword": {"isSet": True, "last4": "1234"},
    }
    assert result.data["updateCompanySettings"]["ldap"] == expected_ldap
    assert BIND_PASSWORD not in str(result.body)
    assert (await read_settings(tenant))["ldap"] == expected_ldap
    stored = (await stored_company(tenant)).settings.ldap.bind_password
    assert stored is not None
    assert BIND_PASSWORD not in stored.ciphertext
    assert services.secrets.open(stored) == BIND_PASSWORD


async def test_ldap_settings_change_partially_and_null_clears_a_field(tenant):
    await update(tenant, ldap=LDAP)
    before = (await read_settings(tenant))["ldap"]

    cleared = await update(tenant, ldap={"userFilter": None, "bindPassword": None})
    expected = {**before, "userFilter": None, "bindPassword": {"isSet": False, "last4": None}}
    assert cleared.data["updateCompanySettings"]["ldap"] == expected

    short = await update(tenant, ldap={"bindPassword": "short"})
    expected["bindPassword"] = {"isSet": True, "last4": None}
    assert short.data["updateCompanySettings"]["ldap"] == expected
    assert (await read_settings(tenant))["ldap"] == expected


async def test_enabling_ldap_needs_a_url_and_a_base_dn(tenant):
    result = await update(tenant, ldap={"enabled": True, "bindDn": "cn=x,dc=y"})
    assert field_paths(result) == {"input.ldap.url", "input.ldap.baseDn"}
    assert await read_settings(tenant) == DEFAULTS

    await update(tenant, ldap=LDAP)
    before = await read_settings(tenant)
    removed = await update(tenant, ldap={"url": None})
    assert field_paths(removed) == {"input.ldap.url"}
    assert await read_settings(tenant) == before

    disabled = await update(tenant, ldap={"enabled": False, "url": None, "baseDn": None})
    assert disabled.data["updateCompanySettings"]["ldap"]["enabled"] is False
    assert disabled.data["updateCompanySettings"]["ldap"]["url"] is None


async def test_invalid_ldap_values_are_refused_with_their_paths(tenant):
    result = await update(
        tenant,
        ldap={
            "enabled": None,
            "url": "https://dc1.example.com",
            "baseDn": "example.com",
            "bindDn": "  ",
            "bindPassword": "",
            "userFilter": "uid={login}",
        },
    )
    assert field_paths(result) == {"input.ldap.enabled"}

    result = await update(
        tenant,
        ldap={
            "url": "https://dc1.example.com",
            "baseDn": "example.com",
            "bindDn": "  ",
            "bindPassword": "",
            "userFilter": "uid={login}",
        },
    )
    assert field_paths(result) == {
        "input.ldap.url",
        "input.ldap.baseDn",
        "input.ldap.bindDn",
        "input.ldap.bindPassword",
        "input.ldap.userFilter",
    }
    for url in ("ldap://", "ldap:/dc1", "ldap://dc1:99999", "ldap://dc 1"):
        assert field_paths(await update(tenant, ldap={"url": url})) == {"input.ldap.url"}
    assert await read_settings(tenant) == DEFAULTS
    assert (await stored_company(tenant)).settings.ldap.bind_password is None


async def test_every_user_reads_the_settings_but_only_admins_the_ldap_part(tenant):
    await update(tenant, callerIdAuthentication=True, ldap=LDAP)
    for role in ("SUPERVISOR", "AGENT"):
        member = await tenant.add_user([role])
        plain = await member.client.op("CompanySettingsForUsers")
        assert plain.data["companySettings"]["callerIdAuthentication"] is True

        with_ldap = await member.client.op("CompanySettings")
        assert with_ldap.error_code == "FORBIDDEN"
        assert with_ldap.error["path"] == ["companySettings", "ldap"]
        assert with_ldap.body["data"]["companySettings"]["ldap"] is None
        assert with_ldap.body["data"]["companySettings"]["defaultPhoneRegion"] == "PL"
        assert "dc1.example.com" not in str(with_ldap.body)


async def test_only_admins_change_the_settings(tenant):
    for role in ("SUPERVISOR", "AGENT"):
        member = await tenant.add_user([role])
        result = await member.client.op(
            "UpdateCompanySettings", input={"crmEnabled": False, "ldap": LDAP}
        )
        assert result.error_code == "FORBIDDEN"
    assert await read_settings(tenant) == DEFAULTS


async def test_settings_need_a_user_of_a_company(anonymous, operator):
    assert (await anonymous.op("CompanySettings")).error_code == "UNAUTHENTICATED"
    assert (await operator.op("CompanySettings")).error_code == "FORBIDDEN"
    result = await operator.op("UpdateCompanySettings", input={"crmEnabled": False})
    assert result.error_code == "FORBIDDEN"


async def test_with_the_crm_off_settings_projects_and_users_keep_working(tenant):
    crm_id = await make_crm(tenant)
    await update(tenant, crmEnabled=False)

    assert (await read_settings(tenant))["crmEnabled"] is False
    changed = await update(tenant, defaultCrmId=crm_id, restrictedCrm=True)
    assert changed.data["updateCompanySettings"]["defaultCrmId"] == crm_id
    agent = await tenant.add_user(["AGENT"])
    project = await tenant.admin.op(
        "CreateProject", input={"name": "Alpha", "crmId": crm_id, "memberIds": [agent.id]}
    )
    assert project.data["createProject"]["crm"]["id"] == crm_id
    assert (await agent.client.op("Projects")).data["projects"][0]["name"] == "Alpha"
    back_on = await update(tenant, crmEnabled=True)
    assert back_on.data["updateCompanySettings"]["crmEnabled"] is True


async def test_a_restricted_user_sees_the_default_crm_only_if_they_work_with_it(tenant):
    default_id = await make_crm(tenant, "Default")
    other_id = await make_crm(tenant, "Other")
    agent = await tenant.add_user(["AGENT"])
    supervisor = await tenant.add_user(["SUPERVISOR"])
    project = await tenant.admin.op(
        "CreateProject", input={"name": "P", "crmId": other_id, "memberIds": [agent.id]}
    )
    await update(tenant, defaultCrmId=default_id)

    async def seen_by(client: GraphQLClient) -> tuple[Any, Any]:
        settings = (await client.op("CompanySettingsForUsers")).data["companySettings"]
        return settings["defaultCrmId"], settings["defaultCrm"]

    default = (default_id, {"id": default_id, "name": "Default"})
    assert await seen_by(agent.client) == default  # not restricted: everyone sees every CRM

    await update(tenant, restrictedCrm=True)
    assert await seen_by(agent.client) == (None, None)
    assert await seen_by(supervisor.client) == (None, None)
    assert await seen_by(tenant.admin) == default

    project_id = project.data["createProject"]["id"]
    await tenant.admin.op("UpdateProject", id=project_id, input={"crmId": default_id})
    assert await seen_by(agent.client) == default
    assert await seen_by(supervisor.client) == (None, None)
    assert (await stored_company(tenant)).settings.default_crm_id == PydanticObjectId(default_id)
