"""CRM configurations (R2) and who sees them (R1.1, R1.2), through the GraphQL API.

Projects and company settings are set up with the models directly: the app reads the company
and the caller's projects afresh on every request.
"""

from typing import Any

import pytest
from beanie import PydanticObjectId

from app.crm_pushes import seal_plain_endpoints
from models.company import Company
from models.project import Project
from models.secret import StoredSecret
from models.values import name_key
from tests.calls import call_desk
from tests.client import field_paths
from tests.conftest import make_crm

HUBSPOT_TOKEN = "pat-eu1-0123456789-abcdef"
LIVESPACE = {
    "apiUrl": "https://demo-pl-example.livespace.io",
    "apiKey": "livespace-key-000111",
    "apiSecret": "livespace-secret-222333",
    "logEvents": True,
}


async def create(client, **input_: Any) -> dict[str, Any]:
    return (await client.op("CreateCrm", input=input_)).data["createCrm"]


async def crm_names(client) -> list[str]:
    return [crm["name"] for crm in (await client.op("Crms")).data["crms"]]


async def read(client, crm_id: str) -> dict[str, Any]:
    return (await client.op("Crm", id=crm_id)).data["crm"]


async def stored(services, crm_id: str) -> dict[str, Any]:
    """The CRM's document as the database holds it."""
    return await services.database.db["crms"].find_one({"_id": PydanticObjectId(crm_id)})


async def set_company(tenant, **settings: Any) -> None:
    await Company.find_one({"_id": PydanticObjectId(tenant.id)}).update(
        {"$set": {f"settings.{name}": value for name, value in settings.items()}}
    )


async def company_settings(tenant):
    return (await Company.get(PydanticObjectId(tenant.id))).settings


async def add_project(tenant, name: str, crm_id: str | None, members=()) -> Project:
    return await Project(
        tenant_id=PydanticObjectId(tenant.id),
        name=name,
        name_key=name_key(name),
        crm_id=PydanticObjectId(crm_id) if crm_id else None,
        member_ids=[PydanticObjectId(m.id) for m in members],
    ).insert()


async def test_a_new_crm_is_local_with_sync_off_unless_told(tenant):
    crm = await create(tenant.admin, name="  Sprzedaż  ")
    assert crm["name"] == "Sprzedaż"
    assert crm["showPhoneIdentificationFields"] is False
    assert crm["backend"] == {"kind": "LOCAL", "defaultOrganizationRegion": "PL"}
    assert crm["contactSync"] == {"enabled": False, "intervalMinutes": 60}
    assert await read(tenant.admin, crm["id"]) == crm
    assert (await tenant.admin.op("Crms")).data["crms"] == [crm]


SECRET_SET = {"isSet": True, "last4": None}

KINDS = [
    ({"local": {"defaultOrganizationRegion": "EU"}}, {"defaultOrganizationRegion": "EU"}),
    ({"hubspot": {"accessToken": "short-tok"}}, {"accessToken": SECRET_SET}),
    (
        {
            "zammad": {
                "ctiPushEnabled": True,
                "ctiEndpointUrl": "https://zammad.example/api/v1/cti/abc",
                "zammadUrl": " https://zammad.example ",
                "userToken": "zammad-tok",
            }
        },
        {
            "ctiPushEnabled": True,
            "ctiEndpointUrl": "https://zammad.example/api/v1/cti/****",
            "zammadUrl": "https://zammad.example",
            "userToken": SECRET_SET,
        },
    ),
    (
        {"livespace": LIVESPACE},
        {
            "apiUrl": LIVESPACE["apiUrl"],
            "apiKey": {"isSet": True, "last4": "0111"},
            "apiSecret": {"isSet": True, "last4": "2333"},
            "logEvents": True,
        },
    ),
    (
        {"salesforce": {"apiUrl": "https://acme.my.salesforce.com", "consumerKey": "ck"}},
        {
            "apiUrl": "https://acme.my.salesforce.com",
            "consumerKey": SECRET_SET,
            "consumerSecret": {"isSet": False, "last4": None},
            "logEvents": False,
        },
    ),
    (
        {
            "dynamics": {
                "tenantName": "acme",
                "url": "https://acme.crm4.dynamics.com",
                "applicationId": "1b0c7a52-0000-4000-8000-000000000000",
                "applicationSecret": "dyn-secret",
                "logEvents": True,
            }
        },
        {
            "tenantName": "acme",
            "url": "https://acme.crm4.dynamics.com",
            "applicationId": "1b0c7a52-0000-4000-8000-000000000000",
            "applicationSecret": SECRET_SET,
            "logEvents": True,
        },
    ),
    ({"custom": {"sourceSystem": "ERP"}}, {"sourceSystem": "ERP"}),
    (
        {
            "customExt": {
                "url": "https://lookup.example/find?phone={phone}",
                "profileUrl": "https://lookup.example/contacts/{id}",
            }
        },
        {
            "url": "https://lookup.example/find?phone={phone}",
            "profileUrl": "https://lookup.example/contacts/{id}",
        },
    ),
]


@pytest.mark.parametrize(("backend", "expected"), KINDS, ids=lambda p: next(iter(p)))
async def test_every_backend_kind_keeps_its_settings(tenant, backend, expected):
    crm = await create(tenant.admin, name="Base", backend=backend)
    member = next(iter(backend))
    kind = "CUSTOM_EXT" if member == "customExt" else member.upper()
    assert crm["backend"] == {"kind": kind, **expected}
    assert (await read(tenant.admin, crm["id"]))["backend"] == crm["backend"]


async def test_an_omitted_backend_setting_takes_its_default(tenant):
    crm = await create(tenant.admin, name="Zammad", backend={"zammad": {}})
    assert crm["backend"] == {
        "kind": "ZAMMAD",
        "ctiPushEnabled": False,
        "ctiEndpointUrl": None,
        "zammadUrl": None,
        "userToken": {"isSet": False, "last4": None},
    }


async def test_secrets_are_stored_encrypted_and_never_returned(tenant, services):
    result = await tenant.admin.op(
        "CreateCrm", input={"name": "Hub", "backend": {"hubspot": {"accessToken": HUBSPOT_TOKEN}}}
    )
    crm = result.data["createCrm"]
    assert crm["backend"]["accessToken"] == {"isSet": True, "last4": "cdef"}
    assert HUBSPOT_TOKEN not in str(result.body)
    assert HUBSPOT_TOKEN not in str((await tenant.admin.op("Crms")).body)

    document = await stored(services, crm["id"])
    assert HUBSPOT_TOKEN not in str(document)
    secret = StoredSecret.model_validate(document["backend"]["access_token"])
    assert services.secrets.open(secret) == HUBSPOT_TOKEN


async def test_an_empty_secret_is_refused(tenant):
    result = await tenant.admin.op(
        "CreateCrm", input={"name": "Hub", "backend": {"hubspot": {"accessToken": "  "}}}
    )
    assert field_paths(result) == {"input.backend.hubspot.accessToken"}
    assert await crm_names(tenant.admin) == []


async def test_names_are_unique_in_the_company_ignoring_case_and_accents(tenant, new_tenant):
    first = await create(tenant.admin, name="Sprzedaż Łódź")
    duplicate = await tenant.admin.op("CreateCrm", input={"name": "  SPRZEDAZ  lodz "})
    assert duplicate.error_code == "CONFLICT"
    assert duplicate.error["extensions"]["field"] == "name"
    assert duplicate.error["extensions"]["existingId"] == first["id"]

    second = await create(tenant.admin, name="Serwis")
    renamed = await tenant.admin.op("UpdateCrm", id=second["id"], input={"name": "sprzedaz łódź"})
    assert renamed.error_code == "CONFLICT"
    assert renamed.error["extensions"]["existingId"] == first["id"]
    assert await crm_names(tenant.admin) == ["Serwis", "Sprzedaż Łódź"]

    other = await new_tenant()
    assert (await create(other.admin, name="Sprzedaż Łódź"))["name"] == "Sprzedaż Łódź"


async def test_a_crm_may_be_renamed_to_another_spelling_of_its_own_name(tenant):
    crm = await create(tenant.admin, name="sprzedaz")
    renamed = await tenant.admin.op("UpdateCrm", id=crm["id"], input={"name": "Sprzedaż"})
    assert renamed.data["updateCrm"]["name"] == "Sprzedaż"


async def test_crms_are_listed_by_name_ignoring_case_and_accents(tenant):
    for name in ["zeta", "Łódź", "alfa", "Ąbc"]:
        await create(tenant.admin, name=name)
    assert await crm_names(tenant.admin) == ["Ąbc", "alfa", "Łódź", "zeta"]


async def test_an_invalid_create_reports_every_field_and_stores_nothing(tenant):
    result = await tenant.admin.op(
        "CreateCrm",
        input={
            "name": "   ",
            "backend": {"livespace": {**LIVESPACE, "apiUrl": "demo.livespace.io"}},
            "contactSync": {"enabled": True, "intervalMinutes": 4},
        },
    )
    assert field_paths(result) == {
        "input.name",
        "input.backend.livespace.apiUrl",
        "input.contactSync.intervalMinutes",
    }
    assert await crm_names(tenant.admin) == []


@pytest.mark.parametrize(
    ("backend", "path"),
    [
        ({"zammad": {"zammadUrl": "ftp://zammad.example"}}, "zammad.zammadUrl"),
        ({"zammad": {"ctiEndpointUrl": "https://z.example:99999/cti"}}, "zammad.ctiEndpointUrl"),
        ({"salesforce": {"apiUrl": "https:///no-host"}}, "salesforce.apiUrl"),
        ({"dynamics": {"url": "acme.crm4.dynamics.com"}}, "dynamics.url"),
        ({"customExt": {"url": "lookup?phone={phone}"}}, "customExt.url"),
        ({"customExt": {"profileUrl": "https://x.example/{ id }"}}, "customExt.profileUrl"),
    ],
)
async def test_urls_are_checked(tenant, backend, path):
    result = await tenant.admin.op("CreateCrm", input={"name": "Urls", "backend": backend})
    assert field_paths(result) == {f"input.backend.{path}"}
    assert await crm_names(tenant.admin) == []


async def test_an_update_of_the_same_kind_changes_only_the_settings_given(tenant, services):
    crm = await create(tenant.admin, name="Live", backend={"livespace": LIVESPACE})
    before = await stored(services, crm["id"])

    result = await tenant.admin.op(
        "UpdateCrm",
        id=crm["id"],
        input={"backend": {"livespace": {"apiSecret": None, "logEvents": False}}},
    )
    backend = result.data["updateCrm"]["backend"]
    assert backend == {
        "kind": "LIVESPACE",
        "apiUrl": LIVESPACE["apiUrl"],
        "apiKey": {"isSet": True, "last4": "0111"},
        "apiSecret": {"isSet": False, "last4": None},
        "logEvents": False,
    }
    after = await stored(services, crm["id"])
    assert after["backend"]["api_key"] == before["backend"]["api_key"]
    assert after["backend"]["api_secret"] is None

    await tenant.admin.op(
        "UpdateCrm", id=crm["id"], input={"backend": {"livespace": {"apiKey": "a-new-key-4567"}}}
    )
    replaced = StoredSecret.model_validate(
        (await stored(services, crm["id"]))["backend"]["api_key"]
    )
    assert services.secrets.open(replaced) == "a-new-key-4567"
    assert (await read(tenant.admin, crm["id"]))["backend"]["apiUrl"] == LIVESPACE["apiUrl"]


async def test_a_backend_of_another_kind_replaces_the_whole_backend(tenant, services):
    crm = await create(
        tenant.admin,
        name="Live",
        backend={"livespace": LIVESPACE},
        contactSync={"enabled": True, "intervalMinutes": 30},
    )
    assert crm["contactSync"] == {"enabled": True, "intervalMinutes": 30}

    result = await tenant.admin.op(
        "UpdateCrm", id=crm["id"], input={"backend": {"salesforce": {"consumerKey": "ck"}}}
    )
    updated = result.data["updateCrm"]
    assert updated["backend"] == {
        "kind": "SALESFORCE",
        "apiUrl": None,
        "consumerKey": SECRET_SET,
        "consumerSecret": {"isSet": False, "last4": None},
        "logEvents": False,
    }
    assert updated["contactSync"] == {"enabled": True, "intervalMinutes": 30}

    result = await tenant.admin.op("UpdateCrm", id=crm["id"], input={"backend": {"local": {}}})
    updated = result.data["updateCrm"]
    assert updated["backend"] == {"kind": "LOCAL", "defaultOrganizationRegion": "PL"}
    assert updated["contactSync"] == {"enabled": False, "intervalMinutes": 30}
    assert (await stored(services, crm["id"]))["backend"] == {
        "kind": "LOCAL",
        "default_organization_region": "PL",
    }


async def test_omitted_fields_stay_and_nulls_are_refused(tenant):
    crm = await create(
        tenant.admin, name="Local", backend={"local": {"defaultOrganizationRegion": "EU"}}
    )
    result = await tenant.admin.op(
        "UpdateCrm", id=crm["id"], input={"showPhoneIdentificationFields": True}
    )
    updated = result.data["updateCrm"]
    assert updated["showPhoneIdentificationFields"] is True
    assert {k: updated[k] for k in ("name", "backend", "contactSync")} == {
        k: crm[k] for k in ("name", "backend", "contactSync")
    }

    nulls = await tenant.admin.op(
        "UpdateCrm",
        id=crm["id"],
        input={
            "name": None,
            "showPhoneIdentificationFields": None,
            "contactSync": {"enabled": None},
            "backend": {"local": {"defaultOrganizationRegion": None}},
        },
    )
    assert field_paths(nulls) == {
        "input.name",
        "input.showPhoneIdentificationFields",
        "input.contactSync.enabled",
        "input.backend.local.defaultOrganizationRegion",
    }
    assert await read(tenant.admin, crm["id"]) == updated


async def test_contact_sync_is_only_for_external_kinds(tenant):
    for backend in [None, {"custom": {}}, {"customExt": {}}]:
        input_ = {"name": "Sync", "contactSync": {"enabled": True}}
        if backend is not None:
            input_["backend"] = backend
        result = await tenant.admin.op("CreateCrm", input=input_)
        assert field_paths(result) == {"input.contactSync.enabled"}
    assert await crm_names(tenant.admin) == []

    hub = await create(
        tenant.admin, name="Hub", backend={"hubspot": {}}, contactSync={"enabled": True}
    )
    assert hub["contactSync"] == {"enabled": True, "intervalMinutes": 60}
    to_local = await tenant.admin.op(
        "UpdateCrm",
        id=hub["id"],
        input={"backend": {"local": {}}, "contactSync": {"enabled": True}},
    )
    assert field_paths(to_local) == {"input.contactSync.enabled"}
    assert await read(tenant.admin, hub["id"]) == hub


@pytest.mark.parametrize("minutes", [4, 1441])
async def test_the_sync_interval_is_bounded(tenant, minutes):
    crm = await create(tenant.admin, name="Hub", backend={"hubspot": {}})
    bad = await tenant.admin.op(
        "UpdateCrm", id=crm["id"], input={"contactSync": {"intervalMinutes": minutes}}
    )
    assert field_paths(bad) == {"input.contactSync.intervalMinutes"}
    assert (await read(tenant.admin, crm["id"]))["contactSync"]["intervalMinutes"] == 60
    for edge in [5, 1440]:
        ok = await tenant.admin.op(
            "UpdateCrm", id=crm["id"], input={"contactSync": {"intervalMinutes": edge}}
        )
        assert ok.data["updateCrm"]["contactSync"]["intervalMinutes"] == edge


async def test_an_invalid_update_changes_nothing(tenant, services):
    crm = await create(
        tenant.admin,
        name="Zammad",
        backend={
            "zammad": {"zammadUrl": "https://zammad.example", "userToken": "old-zammad-token"}
        },
    )
    before = await stored(services, crm["id"])
    result = await tenant.admin.op(
        "UpdateCrm",
        id=crm["id"],
        input={
            "name": "",
            "showPhoneIdentificationFields": True,
            "backend": {
                "zammad": {
                    "zammadUrl": "zammad.example",
                    "ctiEndpointUrl": "not a url",
                    "userToken": "new-zammad-token",
                }
            },
        },
    )
    assert field_paths(result) == {
        "input.name",
        "input.backend.zammad.zammadUrl",
        "input.backend.zammad.ctiEndpointUrl",
    }
    assert await read(tenant.admin, crm["id"]) == crm
    assert await stored(services, crm["id"]) == before


async def test_the_backend_input_takes_exactly_one_kind(tenant):
    result = await tenant.admin.op(
        "CreateCrm", input={"name": "Two", "backend": {"local": {}, "hubspot": {}}}
    )
    assert result.error_code == "BAD_REQUEST"
    assert await crm_names(tenant.admin) == []


async def test_delete_returns_the_deleted_crm(tenant):
    crm = await create(tenant.admin, name="Old", backend={"hubspot": {"accessToken": "tok"}})
    kept = await create(tenant.admin, name="Kept")
    deleted = await tenant.admin.op("DeleteCrm", id=crm["id"])
    assert deleted.data["deleteCrm"] == crm
    assert (await tenant.admin.op("Crm", id=crm["id"])).error_code == "NOT_FOUND"
    assert (await tenant.admin.op("DeleteCrm", id=crm["id"])).error_code == "NOT_FOUND"
    assert await crm_names(tenant.admin) == [kept["name"]]


async def test_a_crm_that_projects_use_is_not_deleted(tenant):
    crm = await create(tenant.admin, name="Used")
    users = [await add_project(tenant, name, crm["id"]) for name in ("Infolinia", "Helpdesk")]
    await add_project(tenant, "No CRM", None)

    refused = await tenant.admin.op("DeleteCrm", id=crm["id"])
    assert refused.error_code == "CONFLICT"
    assert refused.error["extensions"]["projectCount"] == 2
    assert refused.error["extensions"]["existingId"] in {str(p.id) for p in users}
    assert await read(tenant.admin, crm["id"]) == crm

    for project in users:
        await project.delete()
    assert (await tenant.admin.op("DeleteCrm", id=crm["id"])).data["deleteCrm"]["id"] == crm["id"]


async def test_deleting_the_default_crm_unsets_the_default(tenant):
    default = await create(tenant.admin, name="Default")
    other = await create(tenant.admin, name="Other")
    await set_company(tenant, default_crm_id=PydanticObjectId(default["id"]))

    await tenant.admin.op("DeleteCrm", id=other["id"])
    assert (await company_settings(tenant)).default_crm_id == PydanticObjectId(default["id"])

    await tenant.admin.op("DeleteCrm", id=default["id"])
    assert (await company_settings(tenant)).default_crm_id is None


@pytest.mark.parametrize("role", ["AGENT", "SUPERVISOR"])
async def test_only_admins_configure_crms_and_every_user_reads_them(tenant, role):
    crm = await create(tenant.admin, name="Base")
    user = (await tenant.add_user([role])).client
    assert (await user.op("CreateCrm", input={"name": "Mine"})).error_code == "FORBIDDEN"
    update = await user.op("UpdateCrm", id=crm["id"], input={"name": "Renamed"})
    assert update.error_code == "FORBIDDEN"
    assert (await user.op("DeleteCrm", id=crm["id"])).error_code == "FORBIDDEN"
    as_user = {**crm, "backend": {"kind": "LOCAL"}}  # the settings are for admins
    assert (await user.op("Crms")).data["crms"] == [as_user]
    assert await read(user, crm["id"]) == as_user


async def test_crms_need_a_user_of_the_company(anonymous, operator):
    assert (await anonymous.op("Crms")).error_code == "UNAUTHENTICATED"
    assert (await anonymous.op("CreateCrm", input={"name": "X"})).error_code == "UNAUTHENTICATED"
    assert (await operator.op("Crms")).error_code == "FORBIDDEN"
    assert (await operator.op("CreateCrm", input={"name": "X"})).error_code == "FORBIDDEN"


async def test_restricted_crm_shows_non_admins_only_the_crms_of_their_projects(tenant):
    mine, theirs, unused = [
        await create(tenant.admin, name=n) for n in ("Mine", "Theirs", "Unused")
    ]
    agent = await tenant.add_user(["AGENT"])
    supervisor = await tenant.add_user(["SUPERVISOR"])
    await add_project(tenant, "Agent's", mine["id"], members=[agent])
    await add_project(tenant, "Others'", theirs["id"])
    await add_project(tenant, "Agent's, no CRM", None, members=[agent])
    everything = ["Mine", "Theirs", "Unused"]

    assert await crm_names(agent.client) == everything
    assert (await read(agent.client, theirs["id"]))["name"] == "Theirs"

    await set_company(tenant, restricted_crm=True)
    assert await crm_names(agent.client) == ["Mine"]
    assert (await read(agent.client, mine["id"]))["name"] == "Mine"
    for hidden in (theirs, unused):
        assert (await agent.client.op("Crm", id=hidden["id"])).error_code == "NOT_FOUND"
    assert await crm_names(supervisor.client) == []
    assert await crm_names(tenant.admin) == everything


async def test_with_the_crm_disabled_every_crm_operation_is_refused(tenant):
    crm = await create(tenant.admin, name="Kept")
    await set_company(tenant, crm_enabled=False)
    attempts = [
        ("Crms", {}),
        ("Crm", {"id": crm["id"]}),
        ("CreateCrm", {"input": {"name": "New"}}),
        ("UpdateCrm", {"id": crm["id"], "input": {"name": "Renamed"}}),
        ("DeleteCrm", {"id": crm["id"]}),
    ]
    for name, variables in attempts:
        assert (await tenant.admin.op(name, **variables)).error_code == "CRM_DISABLED", name

    await set_company(tenant, crm_enabled=True)
    assert (await tenant.admin.op("Crms")).data["crms"] == [crm]


async def test_another_companys_crm_is_not_found(tenant, new_tenant):
    crm = await create(tenant.admin, name="Ours")
    other = (await new_tenant()).admin
    await create(other, name="Theirs")

    assert await crm_names(other) == ["Theirs"]
    assert (await other.op("Crm", id=crm["id"])).error_code == "NOT_FOUND"
    update = await other.op("UpdateCrm", id=crm["id"], input={"name": "Stolen"})
    assert update.error_code == "NOT_FOUND"
    assert (await other.op("DeleteCrm", id=crm["id"])).error_code == "NOT_FOUND"
    assert (await tenant.admin.op("Crms")).data["crms"] == [crm]


@pytest.mark.parametrize("operation", ["Crm", "DeleteCrm"])
async def test_a_malformed_id_is_not_found(tenant, operation):
    assert (await tenant.admin.op(operation, id="not-an-id")).error_code == "NOT_FOUND"


# --- Zammad's CTI endpoint is a secret (issue 11, item 11) ---------------------------------------

CTI_TOKEN = "cti-0123456789abcdef"
CTI_URL = f"https://zammad.example/api/v1/cti/{CTI_TOKEN}"
CTI_MASKED = "https://zammad.example/api/v1/cti/****cdef"
CALL_CRM = """query CallCrm($callId: String!) {
  call(callId: $callId) { crm { backend { kind ... on ZammadCrmBackend { ctiEndpointUrl } } } }
}"""


async def test_the_cti_endpoint_is_stored_encrypted_and_shown_masked(tenant, services):
    zammad = {"ctiEndpointUrl": CTI_URL, "zammadUrl": "https://zammad.example"}
    result = await tenant.admin.op("CreateCrm", input={"name": "Z", "backend": {"zammad": zammad}})
    crm = result.data["createCrm"]
    assert crm["backend"]["ctiEndpointUrl"] == CTI_MASKED
    assert CTI_TOKEN not in str(result.body)
    assert CTI_TOKEN not in str((await tenant.admin.op("Crms")).body)
    document = await stored(services, crm["id"])
    assert CTI_TOKEN not in str(document)
    secret = StoredSecret.model_validate(document["backend"]["cti_endpoint_url"])
    assert services.secrets.open(secret) == CTI_URL

    # An update that leaves it out keeps it.
    kept = await tenant.admin.op(
        "UpdateCrm", id=crm["id"], input={"backend": {"zammad": {"ctiPushEnabled": False}}}
    )
    assert kept.data["updateCrm"]["backend"]["ctiEndpointUrl"] == CTI_MASKED
    after = await stored(services, crm["id"])
    assert after["backend"]["cti_endpoint_url"] == document["backend"]["cti_endpoint_url"]


async def test_a_cti_endpoint_stored_in_clear_is_encrypted_at_start(tenant, services):
    crm_id = await make_crm(tenant, "Old Zammad")
    backend = {"kind": "ZAMMAD", "cti_push_enabled": False, "cti_endpoint_url": CTI_URL}
    await services.database.db["crms"].update_one(
        {"_id": PydanticObjectId(crm_id)}, {"$set": {"backend": backend}}
    )
    await seal_plain_endpoints(services.secrets)
    document = await stored(services, crm_id)
    assert CTI_TOKEN not in str(document)
    secret = StoredSecret.model_validate(document["backend"]["cti_endpoint_url"])
    assert services.secrets.open(secret) == CTI_URL
    assert (await read(tenant.admin, crm_id))["backend"]["ctiEndpointUrl"] == CTI_MASKED


@pytest.mark.parametrize("role", ["AGENT", "SUPERVISOR"])
async def test_backend_settings_are_shown_to_admins_only(tenant, services, role):
    desk = await call_desk(tenant, services)
    viewer = desk.agent if role == "AGENT" else await tenant.add_user([role])
    zammad = {"ctiEndpointUrl": CTI_URL, "userToken": "zammad-user-token-0001"}
    updated = await desk.admin.op(
        "UpdateCrm", id=desk.crm_id, input={"backend": {"zammad": zammad}}
    )
    assert not updated.errors, updated.errors
    assert not (await desk.report("c-secret", "500 000 001")).errors

    admin_backend = (await read(desk.admin, desk.crm_id))["backend"]
    assert admin_backend["ctiEndpointUrl"] == CTI_MASKED
    assert admin_backend["userToken"] == {"isSet": True, "last4": "0001"}
    admin_call = await desk.admin.raw(CALL_CRM, {"callId": "c-secret"})
    assert admin_call.data["call"]["crm"]["backend"]["ctiEndpointUrl"] == CTI_MASKED

    crms = await viewer.client.op("Crms")
    [listed] = [crm for crm in crms.data["crms"] if crm["id"] == desk.crm_id]
    assert listed["backend"] == {"kind": "ZAMMAD"}
    assert (await read(viewer.client, desk.crm_id))["backend"] == {"kind": "ZAMMAD"}
    call = await viewer.client.raw(CALL_CRM, {"callId": "c-secret"})
    assert call.data["call"]["crm"]["backend"] == {"kind": "ZAMMAD"}
    for body in (crms.body, call.body, admin_call.body):
        assert CTI_TOKEN not in str(body)
