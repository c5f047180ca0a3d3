"""Contacts (R4) through the API: natives, custom values, validation, soft delete, uniqueness,
lookups by unique key, access by project membership, isolation."""

import asyncio
from decimal import Decimal

import pytest_asyncio

from tests.client import NO_SUCH_ID, field_paths
from tests.records import CUSTOM_CONTACT_FIELDS, CrmTenant, define_fields, with_default_crm


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    return await with_default_crm(tenant)


@pytest_asyncio.fixture
async def custom_crm(tenant) -> CrmTenant:
    crm = await with_default_crm(tenant)
    await define_fields(tenant, CUSTOM_CONTACT_FIELDS)
    return crm


async def create(crm: CrmTenant, **fields):
    return await crm.admin.op(
        "CreateContact", input={"firstName": "Jan", "lastName": "Kowalski", **fields}
    )


async def count(crm: CrmTenant, **variables) -> int:
    result = await crm.admin.op("Contacts", **variables)
    return result.data["contacts"]["totalCount"]


async def test_a_contact_keeps_its_native_fields_and_normalizes_phones(crm):
    created = await create(
        crm,
        email=" Jan.Kowalski@Example.COM ",
        phones=[
            {"number": "+48 500 000 001", "label": "komórka"},
            {"number": "(22) 123-45-67"},
            {"number": "tel:0048500000002"},
        ],
        tags=["VIP", " vip ", "Helpdesk"],
        address={"country": "pl", "city": "Kraków", "postalCode": "30-001"},
    )
    contact = created.data["createContact"]
    assert contact["email"] == "jan.kowalski@example.com"
    assert [p["number"] for p in contact["phones"]] == [
        "+48500000001",
        "+48221234567",
        "+48500000002",
    ]
    assert contact["phones"][0] == {
        "number": "+48500000001",
        "raw": "+48 500 000 001",
        "label": "komórka",
    }
    assert contact["tags"] == ["VIP", "Helpdesk"]
    assert contact["address"]["country"] == "PL"
    assert contact["crm"]["id"] == crm.crm_id
    assert contact["deletedAt"] is None
    read = await crm.admin.op("Contact", id=contact["id"])
    assert read.data["contact"] == contact


async def test_invalid_values_are_all_reported_and_nothing_is_stored(crm):
    result = await create(
        crm,
        firstName="  ",
        email="not-an-email",
        phones=[{"number": "+48 500 000 001"}, {"number": "12"}],
        stageId=NO_SUCH_ID,
    )
    assert field_paths(result) == {
        "input.firstName",
        "input.email",
        "input.phones.1.number",
        "input.stageId",
    }
    assert await count(crm) == 0


async def test_update_changes_only_what_is_given_and_null_clears(crm):
    contact = (await create(crm, email="a@b.example", tags=["x"])).data["createContact"]
    updated = await crm.admin.op(
        "UpdateContact", id=contact["id"], input={"lastName": "Nowak", "email": None}
    )
    changed = updated.data["updateContact"]
    assert (changed["firstName"], changed["lastName"], changed["email"]) == ("Jan", "Nowak", None)
    assert changed["tags"] == ["x"]
    refused = await crm.admin.op("UpdateContact", id=contact["id"], input={"firstName": None})
    assert field_paths(refused) == {"input.firstName"}
    again = await crm.admin.op("Contact", id=contact["id"])
    assert again.data["contact"]["lastName"] == "Nowak"


async def test_soft_delete_hides_and_restore_brings_back(crm):
    contact = (await create(crm)).data["createContact"]
    deleted = await crm.admin.op("DeleteContact", id=contact["id"])
    assert deleted.data["deleteContact"]["deletedAt"] is not None
    assert await count(crm) == 0
    assert await count(crm, deleted=True) == 1
    restored = await crm.admin.op("RestoreContact", id=contact["id"])
    assert restored.data["restoreContact"]["deletedAt"] is None
    assert await count(crm) == 1


async def test_custom_values_are_typed_and_checked(custom_crm):
    created = await custom_crm.admin.op(
        "CreateCustomContact",
        input={
            "firstName": "Anna",
            "lastName": "Nowak",
            "custom": {
                "rokZalozenia": 1995,
                "nip": "PL 123",
                "segment": "B",
                "zainteresowania": ["kino", "sport", "kino"],
                "obrot": "1234.50",
                "vip": True,
                "dataUrodzenia": "1990-02-28",
                "strona": "https://example.com/anna",
                "notatka": "Długa notatka",
                "numerKlienta": 7,
            },
        },
    )
    custom = created.data["createContact"]["custom"]
    assert custom == {
        "rokZalozenia": 1995,
        "nip": "PL 123",
        "segment": "B",
        "zainteresowania": ["kino", "sport"],
        "obrot": "1234.50",
        "vip": True,
        "dataUrodzenia": "1990-02-28",
        "strona": "https://example.com/anna",
        "notatka": "Długa notatka",
        "numerKlienta": 7,
    }
    assert Decimal(custom["obrot"]) == Decimal("1234.5")
    bad = await custom_crm.admin.op(
        "CreateCustomContact",
        input={
            "firstName": "X",
            "lastName": "Y",
            "custom": {"segment": "Z", "zainteresowania": ["golf"]},
        },
    )
    assert field_paths(bad) == {"input.custom.segment", "input.custom.zainteresowania"}
    bad_url = await custom_crm.admin.op(
        "CreateCustomContact",
        input={"firstName": "X", "lastName": "Y", "custom": {"strona": "ftp://x"}},
    )
    assert bad_url.error_code == "BAD_REQUEST"
    assert await count(custom_crm) == 1


async def test_custom_update_is_partial_and_null_clears(custom_crm):
    created = await custom_crm.admin.op(
        "CreateCustomContact",
        input={"firstName": "A", "lastName": "B", "custom": {"rokZalozenia": 2000, "vip": False}},
    )
    contact_id = created.data["createContact"]["id"]
    updated = await custom_crm.admin.op(
        "UpdateCustomContact",
        id=contact_id,
        input={"custom": {"rokZalozenia": None, "segment": "A"}},
    )
    custom = updated.data["updateContact"]["custom"]
    assert (custom["rokZalozenia"], custom["vip"], custom["segment"]) == (None, False, "A")


async def test_required_custom_fields_are_enforced(tenant):
    crm = await with_default_crm(tenant)
    await define_fields(tenant, CUSTOM_CONTACT_FIELDS, required=frozenset({"nip"}))
    for custom in ({}, {"nip": None}, {"nip": "  "}):
        missing = await crm.admin.op(
            "CreateCustomContact", input={"firstName": "A", "lastName": "B", "custom": custom}
        )
        assert field_paths(missing) == {"input.custom.nip"}
    no_custom = await crm.admin.op("CreateContact", input={"firstName": "A", "lastName": "B"})
    assert field_paths(no_custom) == {"input.custom.nip"}
    assert await count(crm) == 0
    created = await crm.admin.op(
        "CreateCustomContact", input={"firstName": "A", "lastName": "B", "custom": {"nip": "1"}}
    )
    contact_id = created.data["createContact"]["id"]
    clear = {"custom": {"nip": None}}
    cleared = await crm.admin.op("UpdateCustomContact", id=contact_id, input=clear)
    assert field_paths(cleared) == {"input.custom.nip"}
    renamed = await crm.admin.op("UpdateContact", id=contact_id, input={"lastName": "C"})
    assert renamed.data["updateContact"]["lastName"] == "C"


async def test_unique_values_conflict_ignoring_case_and_spaces_and_numbers_by_value(custom_crm):
    first = await custom_crm.admin.op(
        "CreateCustomContact",
        input={"firstName": "A", "lastName": "B", "custom": {"nip": "Abc 1", "numerKlienta": 7}},
    )
    first_id = first.data["createContact"]["id"]
    duplicate = await custom_crm.admin.op(
        "CreateCustomContact",
        input={"firstName": "C", "lastName": "D", "custom": {"nip": "  abc   1 "}},
    )
    assert duplicate.error_code == "CONFLICT"
    assert duplicate.error["extensions"]["field"] == "nip"
    assert duplicate.error["extensions"]["existingId"] == first_id
    same_number = await custom_crm.admin.op(
        "CreateCustomContact",
        input={"firstName": "C", "lastName": "D", "custom": {"numerKlienta": 7}},
    )
    assert same_number.error["extensions"]["field"] == "numerKlienta"
    assert await count(custom_crm) == 1


async def test_twenty_concurrent_creates_of_one_unique_value_admit_exactly_one(custom_crm):
    results = await asyncio.gather(
        *(
            custom_crm.admin.op(
                "CreateCustomContact",
                input={"firstName": f"R{i}", "lastName": "Race", "custom": {"nip": "RACE-1"}},
            )
            for i in range(20)
        )
    )
    succeeded = [r for r in results if not r.errors]
    assert len(succeeded) == 1
    assert {r.error_code for r in results if r.errors} == {"CONFLICT"}
    assert await count(custom_crm) == 1


async def test_a_deleted_contact_frees_its_unique_values_and_restoring_it_may_conflict(custom_crm):
    make = {"firstName": "A", "lastName": "B", "custom": {"nip": "X1"}}
    first = (await custom_crm.admin.op("CreateCustomContact", input=make)).data["createContact"]
    await custom_crm.admin.op("DeleteContact", id=first["id"])
    second = await custom_crm.admin.op("CreateCustomContact", input=make)
    assert not second.errors
    restore = await custom_crm.admin.op("RestoreContact", id=first["id"])
    assert restore.error_code == "CONFLICT"


async def test_contact_by_unique_key_or_id(custom_crm):
    created = await custom_crm.admin.op(
        "CreateCustomContact",
        input={"firstName": "A", "lastName": "B", "custom": {"nip": "Key-9", "numerKlienta": 42}},
    )
    contact_id = created.data["createContact"]["id"]
    by_nip = await custom_crm.admin.op("CustomContactBy", by={"nip": " key-9"})
    assert by_nip.data["contactBy"]["id"] == contact_id
    by_number = await custom_crm.admin.op("CustomContactBy", by={"numerKlienta": 42})
    assert by_number.data["contactBy"]["id"] == contact_id
    by_id = await custom_crm.admin.op("CustomContactBy", by={"id": contact_id})
    assert by_id.data["contactBy"]["id"] == contact_id
    missing = await custom_crm.admin.op("CustomContactBy", by={"nip": "nope"})
    assert missing.error_code == "NOT_FOUND"
    two = await custom_crm.admin.op("CustomContactBy", by={"nip": "a", "numerKlienta": 1})
    assert two.error_code == "BAD_REQUEST"


async def test_members_of_a_project_with_the_crm_work_with_its_contacts(crm, tenant):
    contact = (await create(crm)).data["createContact"]
    outsider = await tenant.add_user(["AGENT"])
    assert (await outsider.client.op("Contacts")).error_code == "FORBIDDEN"
    assert (await outsider.client.op("Contact", id=contact["id"])).error_code == "NOT_FOUND"
    member = await tenant.add_user(["AGENT"])
    await tenant.admin.op(
        "CreateProject", input={"name": "Infolinia", "crmId": crm.crm_id, "memberIds": [member.id]}
    )
    seen = await member.client.op("Contact", id=contact["id"])
    assert seen.data["contact"]["id"] == contact["id"]
    supervisor = await tenant.add_user(["SUPERVISOR"])
    assert (await supervisor.client.op("Contacts")).data["contacts"]["totalCount"] == 1


async def test_another_company_sees_nothing_and_its_ids_are_not_found(crm, new_tenant):
    contact = (await create(crm)).data["createContact"]
    other = await with_default_crm(await new_tenant("Other"))
    assert (await other.admin.op("Contact", id=contact["id"])).error_code == "NOT_FOUND"
    changed = await other.admin.op("UpdateContact", id=contact["id"], input={"lastName": "X"})
    assert changed.error_code == "NOT_FOUND"
    assert (await other.admin.op("DeleteContact", id=contact["id"])).error_code == "NOT_FOUND"
    assert await count(other) == 0
    foreign_crm = await other.admin.op("Contacts", crmId=crm.crm_id)
    assert foreign_crm.error_code == "NOT_FOUND"
    unchanged = await crm.admin.op("Contact", id=contact["id"])
    assert unchanged.data["contact"]["lastName"] == "Kowalski"


async def test_without_a_default_crm_the_crm_must_be_named(tenant):
    result = await tenant.admin.op("Contacts")
    assert field_paths(result) == {"crmId"}


async def test_the_crm_switch_refuses_contact_operations(crm, tenant):
    await tenant.admin.op("UpdateCompanySettings", input={"crmEnabled": False})
    assert (await crm.admin.op("Contacts")).error_code == "CRM_DISABLED"
    assert (await create(crm)).error_code == "CRM_DISABLED"


async def test_an_empty_or_is_refused_rather_than_matching_everything(crm):
    await create(crm)
    result = await crm.admin.op("Contacts", filter={"or": []})
    assert field_paths(result) == {"filter.or"}
