"""Organizations through the API: natives and their checks (tax id by the CRM's region, REGON,
emails, website, phones), custom values, soft delete, the contacts that link to them, isolation.

A refused input leaves nothing changed: each such test reads the record back.
"""

from typing import Any

import pytest
import pytest_asyncio

from models.field_definition import FieldEntity, FieldType
from tests.client import NO_SUCH_ID, GraphQLClient, field_paths
from tests.records import CrmTenant, define_fields, with_default_crm

VALID_NIP = "5260250274"
VALID_VAT_DE = "DE136695976"
VALID_REGON = "123456785"


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    return await with_default_crm(tenant)


async def create(crm: CrmTenant, **members: Any):
    return await crm.admin.op("CreateOrganization", input={"name": "Acme", **members})


async def read(admin: GraphQLClient, organization_id: str) -> dict[str, Any]:
    return (await admin.op("OrganizationById", id=organization_id)).data["organization"]


async def names(admin: GraphQLClient, **variables: Any) -> list[str]:
    result = await admin.op("OrganizationsList", first=200, **variables)
    page = result.data["organizations"]
    assert page["totalCount"] == len(page["edges"])
    return [edge["node"]["name"] for edge in page["edges"]]


async def set_region(crm: CrmTenant, region: str) -> None:
    updated = await crm.admin.op(
        "UpdateCrm",
        id=crm.crm_id,
        input={"backend": {"local": {"defaultOrganizationRegion": region}}},
    )
    assert updated.data["updateCrm"]["backend"]["defaultOrganizationRegion"] == region


# --- create, read, update ------------------------------------------------------------------------


async def test_an_organization_keeps_its_fields_normalized(crm):
    created = await create(
        crm,
        name="  Zakłady Mięsne Bąk  ",
        taxId="PL 526-025-02-74",
        regon=VALID_REGON,
        address={"country": "pl", "city": "Kraków", "postalCode": "30-001", "line1": "Rynek 1"},
        phones=[{"number": "(12) 345 67 89", "label": "biuro"}],
        emails=[" Biuro@Bak.PL", "biuro@bak.pl", "faktury@bak.pl"],
        website="https://bak.example/o-nas",
    )
    organization = created.data["createOrganization"]
    assert organization["name"] == "Zakłady Mięsne Bąk"
    assert organization["taxId"] == VALID_NIP
    assert organization["regon"] == VALID_REGON
    assert organization["address"]["country"] == "PL"
    assert organization["phones"] == [
        {"number": "+48123456789", "raw": "(12) 345 67 89", "label": "biuro"}
    ]
    assert organization["emails"] == ["biuro@bak.pl", "faktury@bak.pl"]
    assert organization["website"] == "https://bak.example/o-nas"
    assert organization["crm"]["id"] == crm.crm_id
    assert organization["deletedAt"] is None
    assert await read(crm.admin, organization["id"]) == organization
    assert await names(crm.admin) == ["Zakłady Mięsne Bąk"]


async def test_update_changes_only_what_is_given_and_null_clears(crm):
    organization = (
        await create(crm, taxId=VALID_NIP, website="https://acme.example", emails=["a@acme.pl"])
    ).data["createOrganization"]
    updated = await crm.admin.op(
        "UpdateOrganization",
        id=organization["id"],
        input={"name": "Acme Polska", "website": None, "emails": []},
    )
    changed = updated.data["updateOrganization"]
    assert (changed["name"], changed["website"], changed["emails"]) == ("Acme Polska", None, [])
    assert changed["taxId"] == VALID_NIP
    assert changed["updatedAt"] > organization["updatedAt"]
    assert await read(crm.admin, organization["id"]) == changed


async def test_a_name_is_required(crm):
    assert field_paths(await create(crm, name="   ")) == {"input.name"}
    assert await names(crm.admin) == []
    organization = (await create(crm)).data["createOrganization"]
    refused = await crm.admin.op("UpdateOrganization", id=organization["id"], input={"name": None})
    assert field_paths(refused) == {"input.name"}
    assert await read(crm.admin, organization["id"]) == organization


async def test_every_invalid_value_is_reported_and_nothing_is_stored(crm):
    result = await create(
        crm,
        taxId="5260250275",
        regon="123456789",
        emails=["ok@acme.pl", "not-an-email"],
        website="acme.example",
        phones=[{"number": "12"}],
    )
    assert field_paths(result) == {
        "input.taxId",
        "input.regon",
        "input.emails.1",
        "input.website",
        "input.phones.0.number",
    }
    assert await names(crm.admin) == []


async def test_an_invalid_update_changes_nothing(crm):
    organization = (await create(crm, taxId=VALID_NIP, regon=VALID_REGON)).data[
        "createOrganization"
    ]
    refused = await crm.admin.op(
        "UpdateOrganization",
        id=organization["id"],
        input={"name": "Nowa nazwa", "taxId": "1234567890", "regon": "12345"},
    )
    assert field_paths(refused) == {"input.taxId", "input.regon"}
    assert await read(crm.admin, organization["id"]) == organization


# --- tax ids by the CRM's region -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [(VALID_NIP, VALID_NIP), ("526-025-02-74", VALID_NIP), ("pl5260250274", VALID_NIP)],
)
async def test_a_polish_crm_takes_a_nip_with_its_checksum(crm, given, stored):
    created = await create(crm, taxId=given)
    assert created.data["createOrganization"]["taxId"] == stored


@pytest.mark.parametrize("given", ["5260250275", "526025027", VALID_VAT_DE, "abc"])
async def test_a_polish_crm_refuses_what_is_no_nip(crm, given):
    assert field_paths(await create(crm, taxId=given)) == {"input.taxId"}
    assert await names(crm.admin) == []


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (VALID_VAT_DE, VALID_VAT_DE),
        ("de 136 695 976", VALID_VAT_DE),
        ("PL5260250274", "PL5260250274"),
    ],
)
async def test_an_eu_crm_takes_a_vat_id_with_its_country_prefix(crm, given, stored):
    await set_region(crm, "EU")
    created = await create(crm, taxId=given)
    assert created.data["createOrganization"]["taxId"] == stored


@pytest.mark.parametrize("given", ["136695976", VALID_NIP, "DE136695977", "XX136695976"])
async def test_an_eu_crm_refuses_a_vat_id_without_prefix_or_checksum(crm, given):
    await set_region(crm, "EU")
    assert field_paths(await create(crm, taxId=given)) == {"input.taxId"}
    assert await names(crm.admin) == []


async def test_the_region_is_the_crms_at_the_time_of_the_write(crm):
    organization = (await create(crm, taxId=VALID_NIP)).data["createOrganization"]
    await set_region(crm, "EU")
    refused = await crm.admin.op(
        "UpdateOrganization", id=organization["id"], input={"taxId": "526-025-02-74"}
    )
    assert field_paths(refused) == {"input.taxId"}
    assert (await read(crm.admin, organization["id"]))["taxId"] == VALID_NIP
    accepted = await crm.admin.op(
        "UpdateOrganization", id=organization["id"], input={"taxId": VALID_VAT_DE}
    )
    assert accepted.data["updateOrganization"]["taxId"] == VALID_VAT_DE


# --- soft delete ---------------------------------------------------------------------------------


async def test_soft_delete_hides_and_restore_brings_back(crm):
    organization = (await create(crm)).data["createOrganization"]
    deleted = await crm.admin.op("DeleteOrganization", id=organization["id"])
    assert deleted.data["deleteOrganization"]["deletedAt"] is not None
    assert await names(crm.admin) == []
    assert await names(crm.admin, deleted=True) == ["Acme"]
    assert (await read(crm.admin, organization["id"]))["deletedAt"] is not None
    restored = await crm.admin.op("RestoreOrganization", id=organization["id"])
    assert restored.data["restoreOrganization"]["deletedAt"] is None
    assert await names(crm.admin) == ["Acme"]
    assert await names(crm.admin, deleted=True) == []


# --- lists ---------------------------------------------------------------------------------------


async def test_the_list_is_in_polish_order_and_filters_and_searches(crm):
    for name, members in [
        ("Żabka", {"emails": ["sklep@zabka.pl"]}),
        ("Zakład Energetyczny", {"taxId": VALID_NIP}),
        ("Łódzkie Tkaniny", {"address": {"city": "Łódź"}}),
        ("Lubelska Fabryka", {"phones": [{"number": "+48 81 123 45 67"}]}),
        ("Mazowsze", {"regon": VALID_REGON}),
    ]:
        await create(crm, name=name, **members)
    assert await names(crm.admin) == [
        "Lubelska Fabryka",
        "Łódzkie Tkaniny",
        "Mazowsze",
        "Zakład Energetyczny",
        "Żabka",
    ]
    assert await names(crm.admin, filter={"name": {"startsWith": "za"}}) == [
        "Zakład Energetyczny",
        "Żabka",
    ]
    assert await names(crm.admin, filter={"taxId": {"eq": VALID_NIP}}) == ["Zakład Energetyczny"]
    spaced = f"{VALID_NIP[:3]}-{VALID_NIP[3:6]}-{VALID_NIP[6:8]}-{VALID_NIP[8:]}"
    assert await names(crm.admin, filter={"taxId": {"eq": spaced}}) == ["Zakład Energetyczny"]
    assert await names(crm.admin, filter={"taxId": {"startsWith": "526 025"}}) == [
        "Zakład Energetyczny"
    ]
    regon = f"{VALID_REGON[:3]} {VALID_REGON[3:6]} {VALID_REGON[6:]}"
    assert await names(crm.admin, filter={"regon": {"eq": regon}}) == ["Mazowsze"]
    assert await names(crm.admin, filter={"email": {"eq": "SKLEP@zabka.pl"}}) == ["Żabka"]
    assert await names(crm.admin, filter={"city": {"eq": "lodz"}}) == ["Łódzkie Tkaniny"]
    assert await names(crm.admin, filter={"phone": {"eq": "81 123 45 67"}}) == ["Lubelska Fabryka"]
    assert await names(crm.admin, filter={"not": {"regon": {"exists": True}}}) == [
        "Lubelska Fabryka",
        "Łódzkie Tkaniny",
        "Zakład Energetyczny",
        "Żabka",
    ]
    assert await names(crm.admin, search="zab") == ["Żabka"]
    assert await names(crm.admin, search="lodzkie") == ["Łódzkie Tkaniny"]
    assert await names(crm.admin, search="sklep@zabka") == ["Żabka"]
    assert await names(crm.admin, search=VALID_NIP[:6]) == ["Zakład Energetyczny"]


# --- contacts and their organization -------------------------------------------------------------


async def test_a_contact_shows_its_organization(crm):
    organization = (await create(crm, taxId=VALID_NIP)).data["createOrganization"]
    contact = await crm.admin.op(
        "CreateContact",
        input={"firstName": "Jan", "lastName": "Nowak", "organizationId": organization["id"]},
    )
    contact_id = contact.data["createContact"]["id"]
    assert contact.data["createContact"]["organization"] == {
        "id": organization["id"],
        "name": "Acme",
    }
    shown = await crm.admin.op("ContactOrganization", id=contact_id)
    assert shown.data["contact"]["organization"] == organization
    cleared = await crm.admin.op("UpdateContact", id=contact_id, input={"organizationId": None})
    assert cleared.data["updateContact"]["organization"] is None


async def test_a_contact_does_not_show_its_organization_while_it_is_deleted(crm):
    organization = (await create(crm)).data["createOrganization"]
    contact = await crm.admin.op(
        "CreateContact",
        input={"firstName": "Jan", "lastName": "Nowak", "organizationId": organization["id"]},
    )
    contact_id = contact.data["createContact"]["id"]

    await crm.admin.op("DeleteOrganization", id=organization["id"])
    hidden = await crm.admin.op("ContactOrganization", id=contact_id)
    assert hidden.data["contact"]["organization"] is None
    await crm.admin.op("RestoreOrganization", id=organization["id"])
    shown = await crm.admin.op("ContactOrganization", id=contact_id)
    assert shown.data["contact"]["organization"]["id"] == organization["id"]


async def test_a_contact_cannot_link_to_an_organization_of_another_crm(crm, tenant):
    other_crm = (await crm.admin.op("CreateCrm", input={"name": "Inny"})).data["createCrm"]["id"]
    foreign = await crm.admin.op("CreateOrganization", input={"name": "Obca", "crmId": other_crm})
    foreign_id = foreign.data["createOrganization"]["id"]
    refused = await crm.admin.op(
        "CreateContact",
        input={"firstName": "Jan", "lastName": "Nowak", "organizationId": foreign_id},
    )
    assert field_paths(refused) == {"input.organizationId"}
    assert (await crm.admin.op("Contacts")).data["contacts"]["totalCount"] == 0
    own = (await create(crm)).data["createOrganization"]
    contact = await crm.admin.op(
        "CreateContact",
        input={"firstName": "Jan", "lastName": "Nowak", "organizationId": own["id"]},
    )
    contact_id = contact.data["createContact"]["id"]
    moved = await crm.admin.op("UpdateContact", id=contact_id, input={"organizationId": foreign_id})
    assert field_paths(moved) == {"input.organizationId"}
    unchanged = await crm.admin.op("ContactOrganization", id=contact_id)
    assert unchanged.data["contact"]["organization"]["id"] == own["id"]


async def test_a_contact_cannot_link_to_a_deleted_or_unknown_organization(crm):
    organization = (await create(crm)).data["createOrganization"]
    await crm.admin.op("DeleteOrganization", id=organization["id"])
    for organization_id in (organization["id"], NO_SUCH_ID, "not-an-id"):
        refused = await crm.admin.op(
            "CreateContact",
            input={"firstName": "Jan", "lastName": "Nowak", "organizationId": organization_id},
        )
        assert field_paths(refused) == {"input.organizationId"}
    assert (await crm.admin.op("Contacts")).data["contacts"]["totalCount"] == 0


async def test_renaming_an_organization_renames_it_in_the_search_of_its_contacts(crm):
    organization = (await create(crm, name="Stara Nazwa")).data["createOrganization"]
    for first in ("Jan", "Anna"):
        await crm.admin.op(
            "CreateContact",
            input={"firstName": first, "lastName": "Nowak", "organizationId": organization["id"]},
        )
    await crm.admin.op("CreateContact", input={"firstName": "Ewa", "lastName": "Obca"})

    async def found(search: str) -> set[str]:
        result = await crm.admin.op("SearchContacts", search=search, first=50)
        return {edge["node"]["firstName"] for edge in result.data["contacts"]["edges"]}

    assert await found("stara") == {"Jan", "Anna"}
    assert await found("żółta") == set()
    await crm.admin.op("UpdateOrganization", id=organization["id"], input={"name": "Żółta Łódź"})
    assert await found("zolta lodz") == {"Jan", "Anna"}
    assert await found("stara") == set()
    assert await found("jan zolta") == {"Jan"}


async def test_contacts_are_not_found_by_the_name_of_a_deleted_organization(crm):
    organization = (await create(crm, name="Zielona Dolina")).data["createOrganization"]
    contact = {"firstName": "Jan", "lastName": "Nowak", "organizationId": organization["id"]}
    await crm.admin.op("CreateContact", input=contact)

    async def found() -> int:
        result = await crm.admin.op("SearchContacts", search="zielona", first=50)
        return len(result.data["contacts"]["edges"])

    assert await found() == 1
    await crm.admin.op("DeleteOrganization", id=organization["id"])
    assert await found() == 0
    await crm.admin.op("RestoreOrganization", id=organization["id"])
    assert await found() == 1


# --- custom fields -------------------------------------------------------------------------------

ORGANIZATION_FIELDS = {
    "branza": (FieldType.SELECT, ["IT", "Handel"], True, False),
    "pracownicy": (FieldType.INTEGER, [], True, False),
    "krs": (FieldType.TEXT, [], False, True),
}


async def custom_op(crm: CrmTenant, name: str, **variables: Any):
    """Operations of graphql/organizations_custom.graphql: valid only for a company with the
    custom fields above."""
    return await crm.admin.op(name, **variables)


async def test_custom_values_are_typed_filtered_and_unique(tenant):
    crm = await with_default_crm(tenant)
    await define_fields(tenant, ORGANIZATION_FIELDS, entity=FieldEntity.ORGANIZATION)
    made = []
    for name, custom in [
        ("Alfa", {"branza": "IT", "pracownicy": 12, "krs": "0000123456"}),
        ("Beta", {"branza": "Handel", "pracownicy": 250}),
        ("Gamma", {"pracownicy": -1}),
    ]:
        created = await custom_op(
            crm, "CreateCustomOrganization", input={"name": name, "custom": custom}
        )
        made.append(created.data["createOrganization"])
    assert made[0]["custom"] == {"branza": "IT", "pracownicy": 12, "krs": "0000123456"}
    assert await names(crm.admin, filter={"custom": {"branza": {"eq": "it"}}}) == ["Alfa"]
    assert await names(crm.admin, filter={"custom": {"pracownicy": {"gte": 12}}}) == [
        "Alfa",
        "Beta",
    ]
    assert await names(crm.admin, filter={"custom": {"pracownicy": {"lt": 12}}}) == ["Gamma"]
    by_krs = await custom_op(crm, "CustomOrganizationBy", by={"krs": " 0000123456 "})
    assert by_krs.data["organizationBy"]["id"] == made[0]["id"]
    duplicate = await custom_op(
        crm,
        "CreateCustomOrganization",
        input={"name": "Delta", "custom": {"krs": "0000123456"}},
    )
    assert duplicate.error_code == "CONFLICT"
    assert duplicate.error["extensions"]["field"] == "krs"
    assert duplicate.error["extensions"]["existingId"] == made[0]["id"]
    bad = await custom_op(
        crm,
        "UpdateCustomOrganization",
        id=made[1]["id"],
        input={"name": "Beta 2", "custom": {"branza": "Rolnictwo"}},
    )
    assert field_paths(bad) == {"input.custom.branza"}
    unchanged = await custom_op(crm, "CustomOrganizationById", id=made[1]["id"])
    assert unchanged.data["organization"] == made[1]
    assert await names(crm.admin) == ["Alfa", "Beta", "Gamma"]


# --- isolation -----------------------------------------------------------------------------------


async def test_another_company_sees_nothing_and_its_ids_are_not_found(crm, new_tenant):
    organization = (await create(crm, name="Moja Firma")).data["createOrganization"]
    other = await with_default_crm(await new_tenant("Other"))
    organization_id = organization["id"]
    assert (await other.admin.op("OrganizationById", id=organization_id)).error_code == "NOT_FOUND"
    changed = await other.admin.op(
        "UpdateOrganization", id=organization_id, input={"name": "Przejęta"}
    )
    assert changed.error_code == "NOT_FOUND"
    for operation in ("DeleteOrganization", "RestoreOrganization"):
        assert (await other.admin.op(operation, id=organization_id)).error_code == "NOT_FOUND"
    by_id = await other.admin.op("OrganizationByKey", by={"id": organization_id})
    assert by_id.error_code == "NOT_FOUND"
    assert await names(other.admin) == []
    assert await names(other.admin, search="moja") == []
    foreign_crm = await other.admin.op("OrganizationsList", crmId=crm.crm_id)
    assert foreign_crm.error_code == "NOT_FOUND"
    linked = await other.admin.op(
        "CreateContact",
        input={"firstName": "Jan", "lastName": "Nowak", "organizationId": organization_id},
    )
    assert field_paths(linked) == {"input.organizationId"}
    assert await read(crm.admin, organization_id) == organization


async def test_agents_outside_the_crm_projects_are_refused(crm, tenant):
    organization = (await create(crm)).data["createOrganization"]
    agent = await tenant.add_user(["AGENT"])
    assert (await agent.client.op("OrganizationsList")).error_code == "FORBIDDEN"
    seen = await agent.client.op("OrganizationById", id=organization["id"])
    assert seen.error_code == "NOT_FOUND"
    refused = await agent.client.op("CreateOrganization", input={"name": "Agenta"})
    assert refused.error_code == "FORBIDDEN"
    assert await names(crm.admin) == ["Acme"]
