"""Custom field definitions (R5) through the GraphQL API, and what they do to stored records.

The contacts API is not what these tests are about: records are stored with the models directly
and read back raw, the way the database holds them.
"""

from decimal import Decimal
from typing import Any

import pytest
from beanie import PydanticObjectId
from bson.decimal128 import Decimal128
from pymongo.errors import DuplicateKeyError

from models.company import Company
from models.contact import Contact, Organization
from models.contact_keys import derive_contact, derive_organization
from models.field_definition import FieldDefinition, FieldEntity
from models.sortable import encode_number, encode_text, entry
from resolvers.fields import records, service
from tests.client import NO_SUCH_ID, field_paths
from tests.conftest import make_crm


async def create(client, **input_: Any) -> dict[str, Any]:
    result = await client.op("CreateFieldDefinition", input={"entity": "CONTACT", **input_})
    return result.data["createFieldDefinition"]


async def listed(client, entity: str = "CONTACT") -> list[dict[str, Any]]:
    return (await client.op("FieldDefinitions", entity=entity)).data["fieldDefinitions"]


async def names(client, entity: str = "CONTACT") -> list[str]:
    return [field["name"] for field in await listed(client, entity)]


async def fields_version(tenant) -> int:
    return (await Company.get(PydanticObjectId(tenant.id))).fields_version


async def set_company(tenant, **settings: Any) -> None:
    await Company.find_one({"_id": PydanticObjectId(tenant.id)}).update(
        {"$set": {f"settings.{name}": value for name, value in settings.items()}}
    )


async def add_contact(
    tenant, crm_id: str, custom: dict[str, Any], *, deleted: bool = False, **fields: Any
) -> PydanticObjectId:
    contact = Contact(
        tenant_id=PydanticObjectId(tenant.id),
        crm_id=PydanticObjectId(crm_id),
        first_name=fields.pop("first_name", "Jan"),
        last_name=fields.pop("last_name", "Kowalski"),
        custom=custom,
        deleted=deleted,
        **fields,
    )
    await contact.insert()
    return contact.id


async def stored(record_id: PydanticObjectId, model=Contact) -> dict[str, Any]:
    return await model.get_pymongo_collection().find_one({"_id": record_id})


async def definitions(tenant, entity: FieldEntity = FieldEntity.CONTACT) -> list[FieldDefinition]:
    return await FieldDefinition.find(
        {"tenant_id": PydanticObjectId(tenant.id), "entity": entity}
    ).to_list()


def entries(document: dict[str, Any], key: str, name: str = "sk") -> list[str]:
    return [e for e in document.get(name) or [] if e.startswith(key + "\x1f")]


# ---- the definitions themselves -------------------------------------------------------------


async def test_a_new_definition_has_its_defaults_and_is_listed(tenant):
    field = await create(tenant.admin, name="  Rok założenia ", type="INTEGER")
    assert field == {
        "id": field["id"],
        "entity": "CONTACT",
        "name": "Rok założenia",
        "key": "rokZalozenia",
        "type": "INTEGER",
        "options": [],
        "position": None,
        "searchable": False,
        "unique": False,
        "required": False,
    }
    assert await listed(tenant.admin) == [field]
    assert await listed(tenant.admin, "ORGANIZATION") == []


async def test_definitions_are_listed_by_position_then_polish_name(tenant):
    for name, position in [
        ("Zeta", None),
        ("Łódź", 1),
        ("Adres", 2),
        ("Ćma", None),
        ("Lublin", 1),
        ("Minus", -5),
    ]:
        await create(tenant.admin, name=name, type="TEXT", position=position)
    await create(tenant.admin, name="Organizacyjne", type="TEXT", entity="ORGANIZATION")

    assert await names(tenant.admin) == ["Minus", "Lublin", "Łódź", "Adres", "Ćma", "Zeta"]
    assert await names(tenant.admin, "ORGANIZATION") == ["Organizacyjne"]


async def test_keys_are_derived_per_entity_and_avoid_natives_and_each_other(tenant):
    first = await create(tenant.admin, name="Rok założenia", type="INTEGER")
    second = await create(tenant.admin, name="Rok-założenia", type="TEXT")
    email = await create(tenant.admin, name="Email", type="TEXT")
    digit = await create(tenant.admin, name="2 telefon", type="TEXT")
    organization = await create(
        tenant.admin, name="Rok założenia", type="INTEGER", entity="ORGANIZATION"
    )
    organization_name = await create(tenant.admin, name="Name", type="TEXT", entity="ORGANIZATION")
    assert [f["key"] for f in (first, second, email, digit)] == [
        "rokZalozenia",
        "rokZalozenia2",
        "email2",
        "f2Telefon",
    ]
    assert organization["key"] == "rokZalozenia"
    assert organization_name["key"] == "name2"


async def test_an_explicit_key_is_used_when_valid_and_free(tenant):
    assert (await create(tenant.admin, name="NIP firmy", key="nip", type="TEXT"))["key"] == "nip"
    before = await listed(tenant.admin)
    for key in ["nip", "email", "Nip", "nip firmy", "2nip", "__nip", ""]:
        result = await tenant.admin.op(
            "CreateFieldDefinition",
            input={"entity": "CONTACT", "name": f"Other {key}", "key": key, "type": "TEXT"},
        )
        assert field_paths(result) == {"input.key"}, key
    assert await listed(tenant.admin) == before
    # Keys are per entity: an organization may have its own "nip".
    organization = await create(
        tenant.admin, entity="ORGANIZATION", name="NIP", key="nip", type="TEXT"
    )
    assert organization["key"] == "nip"


async def test_the_key_never_changes(tenant):
    field = await create(tenant.admin, name="Rok założenia", type="INTEGER")
    renamed = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"name": "Founded"}
    )
    assert renamed.data["updateFieldDefinition"]["key"] == "rokZalozenia"
    with_key = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"key": "founded"}
    )
    assert with_key.error_code == "BAD_REQUEST"
    assert [f["key"] for f in await listed(tenant.admin)] == ["rokZalozenia"]


async def test_a_key_taken_meanwhile_is_a_conflict(tenant, monkeypatch):
    """Two creates racing for one derived key: the unique index decides."""
    field = await create(tenant.admin, name="Rok założenia", type="INTEGER")

    async def read_before_the_other_create(tenant_id, entity, session=None):
        return []

    monkeypatch.setattr(service, "definitions_of", read_before_the_other_create)
    result = await tenant.admin.op(
        "CreateFieldDefinition",
        input={"entity": "CONTACT", "name": "Rok założenia!", "type": "TEXT"},
    )
    monkeypatch.undo()
    assert result.error_code == "CONFLICT"
    assert result.error["extensions"]["field"] == "key"
    assert result.error["extensions"]["existingId"] == field["id"]
    assert await listed(tenant.admin) == [field]


async def test_names_are_required_and_bounded(tenant):
    for name in ["   ", "x" * 201]:
        result = await tenant.admin.op(
            "CreateFieldDefinition", input={"entity": "CONTACT", "name": name, "type": "TEXT"}
        )
        assert field_paths(result) == {"input.name"}
    field = await create(tenant.admin, name="x" * 200, type="TEXT")
    result = await tenant.admin.op("UpdateFieldDefinition", id=field["id"], input={"name": " "})
    assert field_paths(result) == {"input.name"}
    assert await listed(tenant.admin) == [field]


async def test_a_company_has_a_bounded_number_of_fields_per_entity(tenant, monkeypatch):
    monkeypatch.setattr(service, "MAX_FIELDS_PER_ENTITY", 2)
    kept = [await create(tenant.admin, name=name, type="TEXT") for name in ("A", "B")]
    version = await fields_version(tenant)

    refused = await tenant.admin.op(
        "CreateFieldDefinition", input={"entity": "CONTACT", "name": "C", "type": "TEXT"}
    )

    assert field_paths(refused) == {"input.entity"}
    assert "at most 2" in refused.error["message"] + str(refused.error["extensions"])
    assert await listed(tenant.admin) == kept
    assert await fields_version(tenant) == version
    other = await create(tenant.admin, entity="ORGANIZATION", name="C", type="TEXT")
    assert other["name"] == "C"


async def test_names_are_unique_per_entity_ignoring_case_and_accents(tenant):
    first = await create(tenant.admin, name="Rok założenia", type="INTEGER")
    duplicate = await tenant.admin.op(
        "CreateFieldDefinition",
        input={"entity": "CONTACT", "name": " ROK  ZALOZENIA ", "type": "TEXT", "key": "rz"},
    )
    assert duplicate.error_code == "CONFLICT"
    assert duplicate.error["extensions"]["field"] == "name"
    assert duplicate.error["extensions"]["existingId"] == first["id"]

    second = await create(tenant.admin, name="Notatka", type="TEXT")
    renamed = await tenant.admin.op(
        "UpdateFieldDefinition", id=second["id"], input={"name": "rok zalozenia"}
    )
    assert renamed.error_code == "CONFLICT"
    assert renamed.error["extensions"]["existingId"] == first["id"]
    assert await names(tenant.admin) == ["Notatka", "Rok założenia"]

    respelled = await tenant.admin.op(
        "UpdateFieldDefinition", id=first["id"], input={"name": "ROK ZAŁOŻENIA"}
    )
    assert respelled.data["updateFieldDefinition"]["name"] == "ROK ZAŁOŻENIA"
    other_entity = await create(
        tenant.admin, entity="ORGANIZATION", name="Rok założenia", type="INTEGER"
    )
    assert other_entity["name"] == "Rok założenia"


async def test_an_update_changes_only_what_it_gives_and_nulls_are_refused(tenant):
    field = await create(
        tenant.admin, name="Poziom", type="SELECT", options=["A", "B"], position=3, required=True
    )
    moved = await tenant.admin.op("UpdateFieldDefinition", id=field["id"], input={"position": None})
    assert moved.data["updateFieldDefinition"] == {**field, "position": None}

    nulls = await tenant.admin.op(
        "UpdateFieldDefinition",
        id=field["id"],
        input={"name": None, "type": None, "searchable": None, "unique": None, "required": None},
    )
    assert field_paths(nulls) == {
        "input.name",
        "input.type",
        "input.searchable",
        "input.unique",
        "input.required",
    }
    assert await listed(tenant.admin) == [{**field, "position": None}]


# ---- options ----------------------------------------------------------------------------------


async def test_choice_fields_need_distinct_non_empty_options(tenant):
    field = await create(tenant.admin, name="Poziom", type="SELECT", options=[" Gold ", "Silver"])
    assert field["options"] == ["Gold", "Silver"]
    for options, paths in [
        (None, {"input.options"}),
        ([], {"input.options"}),
        (["Gold", "Gold "], {"input.options"}),
        (["Gold", " "], {"input.options.1"}),
    ]:
        for field_type in ["SELECT", "MULTI_SELECT"]:
            result = await tenant.admin.op(
                "CreateFieldDefinition",
                input={
                    "entity": "CONTACT",
                    "name": "Other",
                    "type": field_type,
                    "options": options,
                },
            )
            assert field_paths(result) == paths, (field_type, options)
    text = await tenant.admin.op(
        "CreateFieldDefinition",
        input={"entity": "CONTACT", "name": "Other", "type": "TEXT", "options": ["A"]},
    )
    assert field_paths(text) == {"input.options"}
    emptied = await tenant.admin.op("UpdateFieldDefinition", id=field["id"], input={"options": []})
    assert field_paths(emptied) == {"input.options"}
    assert await listed(tenant.admin) == [field]


async def test_a_type_leaving_the_choices_drops_the_options(tenant):
    field = await create(tenant.admin, name="Poziom", type="SELECT", options=["Gold", "Silver"])
    multi = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"type": "MULTI_SELECT"}
    )
    assert multi.data["updateFieldDefinition"]["options"] == ["Gold", "Silver"]
    text = await tenant.admin.op("UpdateFieldDefinition", id=field["id"], input={"type": "TEXT"})
    assert text.data["updateFieldDefinition"]["options"] == []


async def test_options_that_values_use_cannot_be_removed(tenant):
    crm_id = await make_crm(tenant)
    field = await create(
        tenant.admin, name="Pakiety", type="MULTI_SELECT", options=["Gold", "Silver", "Bronze"]
    )
    key = field["key"]
    for value in (["Gold"], ["Gold", "Silver"], ["Gold"]):
        await add_contact(tenant, crm_id, {key: value})
    await add_contact(tenant, crm_id, {key: ["Silver"]}, deleted=True)

    refused = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"options": ["Bronze"]}
    )
    assert field_paths(refused) == {"input.options"}
    assert refused.error["extensions"]["optionsInUse"] == [
        {"value": "Gold", "count": 3},
        {"value": "Silver", "count": 2},
    ]
    assert await listed(tenant.admin) == [field]

    unused_removed = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"options": ["Silver", "Gold", "Platinum"]}
    )
    assert unused_removed.data["updateFieldDefinition"]["options"] == ["Silver", "Gold", "Platinum"]


# ---- which types may be unique or searchable --------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "options"), [("LONG_TEXT", None), ("MULTI_SELECT", ["A"]), ("FLAG", None)]
)
async def test_some_types_cannot_be_unique(tenant, field_type, options):
    result = await tenant.admin.op(
        "CreateFieldDefinition",
        input={
            "entity": "ORGANIZATION",
            "name": "Pole",
            "type": field_type,
            "options": options,
            "unique": True,
        },
    )
    assert field_paths(result) == {"input.unique"}
    field = await create(
        tenant.admin, entity="ORGANIZATION", name="Pole", type=field_type, options=options
    )
    toggled = await tenant.admin.op("SetFieldUnique", id=field["id"], unique=True)
    assert field_paths(toggled) == {"unique"}
    assert await listed(tenant.admin, "ORGANIZATION") == [field]


async def test_a_long_text_cannot_be_searchable(tenant):
    result = await tenant.admin.op(
        "CreateFieldDefinition",
        input={"entity": "CONTACT", "name": "Notatka", "type": "LONG_TEXT", "searchable": True},
    )
    assert field_paths(result) == {"input.searchable"}
    field = await create(tenant.admin, name="Notatka", type="LONG_TEXT")
    toggled = await tenant.admin.op("SetFieldSearchable", id=field["id"], searchable=True)
    assert field_paths(toggled) == {"searchable"}
    assert await listed(tenant.admin) == [field]


async def test_a_type_that_no_longer_allows_a_flag_is_refused_at_the_type(tenant):
    field = await create(tenant.admin, name="Nip", type="TEXT", unique=True, searchable=True)
    result = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"type": "LONG_TEXT"}
    )
    assert field_paths(result) == {"input.type"}
    both = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"type": "LONG_TEXT", "unique": True}
    )
    assert field_paths(both) == {"input.type", "input.unique"}
    allowed = await tenant.admin.op(
        "UpdateFieldDefinition",
        id=field["id"],
        input={"type": "LONG_TEXT", "unique": False, "searchable": False},
    )
    assert allowed.data["updateFieldDefinition"]["type"] == "LONG_TEXT"


# ---- who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["AGENT", "SUPERVISOR"])
async def test_only_admins_change_definitions_and_every_user_reads_them(tenant, role):
    field = await create(tenant.admin, name="Nip", type="TEXT")
    user = (await tenant.add_user([role])).client
    version = await fields_version(tenant)
    attempts = [
        ("CreateFieldDefinition", {"input": {"entity": "CONTACT", "name": "X", "type": "TEXT"}}),
        ("UpdateFieldDefinition", {"id": field["id"], "input": {"name": "Renamed"}}),
        ("DeleteFieldDefinition", {"id": field["id"]}),
        ("SetFieldSearchable", {"id": field["id"], "searchable": True}),
        ("SetFieldUnique", {"id": field["id"], "unique": True}),
    ]
    for name, variables in attempts:
        assert (await user.op(name, **variables)).error_code == "FORBIDDEN", name
    assert await listed(user) == [field]
    assert await fields_version(tenant) == version


async def test_definitions_need_a_user_of_the_company(anonymous, operator):
    assert (await anonymous.op("FieldDefinitions", entity="CONTACT")).error_code == (
        "UNAUTHENTICATED"
    )
    assert (await operator.op("FieldDefinitions", entity="CONTACT")).error_code == "FORBIDDEN"
    create_input = {"entity": "CONTACT", "name": "X", "type": "TEXT"}
    result = await operator.op("CreateFieldDefinition", input=create_input)
    assert result.error_code == "FORBIDDEN"


async def test_with_the_crm_disabled_definitions_are_refused(tenant):
    field = await create(tenant.admin, name="Nip", type="TEXT")
    await set_company(tenant, crm_enabled=False)
    attempts = [
        ("FieldDefinitions", {"entity": "CONTACT"}),
        ("CreateFieldDefinition", {"input": {"entity": "CONTACT", "name": "X", "type": "TEXT"}}),
        ("UpdateFieldDefinition", {"id": field["id"], "input": {"name": "Renamed"}}),
        ("DeleteFieldDefinition", {"id": field["id"]}),
        ("SetFieldSearchable", {"id": field["id"], "searchable": True}),
        ("SetFieldUnique", {"id": field["id"], "unique": True}),
    ]
    for name, variables in attempts:
        assert (await tenant.admin.op(name, **variables)).error_code == "CRM_DISABLED", name
    await set_company(tenant, crm_enabled=True)
    assert await listed(tenant.admin) == [field]


@pytest.mark.parametrize("target", ["foreign", NO_SUCH_ID, "not-an-id"])
async def test_another_companys_definition_is_not_found(tenant, new_tenant, target):
    field = await create(tenant.admin, name="Nip", type="TEXT")
    other = await new_tenant()
    assert await listed(other.admin) == []
    definition_id = field["id"] if target == "foreign" else target
    attempts = [
        ("UpdateFieldDefinition", {"input": {"name": "Stolen"}}),
        ("DeleteFieldDefinition", {}),
        ("SetFieldSearchable", {"searchable": True}),
        ("SetFieldUnique", {"unique": True}),
    ]
    for name, variables in attempts:
        result = await other.admin.op(name, id=definition_id, **variables)
        assert result.error_code == "NOT_FOUND", name
    assert await listed(tenant.admin) == [field]


async def test_every_change_bumps_the_fields_version(tenant):
    version = await fields_version(tenant)
    field = await create(tenant.admin, name="Nip", type="TEXT")
    assert await fields_version(tenant) == version + 1
    await tenant.admin.op("UpdateFieldDefinition", id=field["id"], input={"name": "NIP"})
    assert await fields_version(tenant) == version + 2
    await tenant.admin.op("SetFieldSearchable", id=field["id"], searchable=True)
    assert await fields_version(tenant) == version + 3
    await tenant.admin.op("SetFieldUnique", id=field["id"], unique=True)
    assert await fields_version(tenant) == version + 4

    unchanged = await tenant.admin.op("SetFieldUnique", id=field["id"], unique=True)
    assert unchanged.data["setFieldUnique"]["unique"] is True
    refused = await tenant.admin.op("UpdateFieldDefinition", id=field["id"], input={"name": ""})
    assert refused.error_code == "VALIDATION_FAILED"
    assert await fields_version(tenant) == version + 4

    await tenant.admin.op("DeleteFieldDefinition", id=field["id"])
    assert await fields_version(tenant) == version + 5


# ---- stored values --------------------------------------------------------------------------


async def test_a_type_change_is_refused_while_values_would_not_convert(tenant):
    crm_id = await make_crm(tenant)
    field = await create(tenant.admin, name="Rok", type="TEXT", searchable=True)
    ok = await add_contact(tenant, crm_id, {"rok": "1995"})
    bad = [await add_contact(tenant, crm_id, {"rok": "199x"}) for _ in range(2)]
    deleted = await add_contact(tenant, crm_id, {"rok": "około 2000"}, deleted=True)
    before = {i: await stored(i) for i in (ok, *bad, deleted)}

    result = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"type": "INTEGER"}
    )
    assert field_paths(result) == {"input.type"}
    assert result.error["extensions"]["unconvertible"] == [
        {"value": "199x", "count": 2},
        {"value": "około 2000", "count": 1},
    ]
    assert await listed(tenant.admin) == [field]
    assert {i: await stored(i) for i in before} == before


async def test_a_type_change_converts_the_values_and_rebuilds_the_keys(tenant, new_tenant):
    crm_id = await make_crm(tenant)
    field = await create(tenant.admin, name="Rok", type="TEXT", searchable=True)
    first = await add_contact(tenant, crm_id, {"rok": "1995", "inne": "x"})
    second = await add_contact(tenant, crm_id, {"rok": " 2001 "}, deleted=True)
    none = await add_contact(tenant, crm_id, {})
    other = await new_tenant()
    foreign = await add_contact(other, await make_crm(other), {"rok": "not a year"})

    result = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"type": "INTEGER"}
    )
    assert result.data["updateFieldDefinition"]["type"] == "INTEGER"

    first_doc, second_doc = await stored(first), await stored(second)
    assert first_doc["custom"] == {"rok": 1995, "inne": "x"}
    assert second_doc["custom"] == {"rok": 2001}
    assert entries(first_doc, "rok") == [entry("rok", encode_number(1995))]
    assert entries(second_doc, "rok") == [entry("rok", encode_number(2001))]
    assert (await stored(none))["custom"] == {}
    assert (await stored(foreign))["custom"] == {"rok": "not a year"}


async def test_deleting_a_definition_removes_its_values_and_keys(tenant, new_tenant):
    crm_id = await make_crm(tenant)
    field = await create(tenant.admin, name="Nip", type="TEXT", searchable=True, unique=True)
    kept = await create(tenant.admin, name="Kod", type="TEXT", searchable=True)
    contact = await add_contact(tenant, crm_id, {"nip": "123", "kod": "A1"})
    deleted_contact = await add_contact(tenant, crm_id, {"nip": "456"}, deleted=True)
    await tenant.admin.op("SetFieldSearchable", id=kept["id"], searchable=False)
    await tenant.admin.op("SetFieldSearchable", id=kept["id"], searchable=True)
    await tenant.admin.op("SetFieldUnique", id=field["id"], unique=False)
    await tenant.admin.op("SetFieldUnique", id=field["id"], unique=True)
    assert entries(await stored(contact), "nip", "uniq") == [entry("nip", "123")]
    other = await new_tenant()
    foreign = await add_contact(other, await make_crm(other), {"nip": "123"})

    result = await tenant.admin.op("DeleteFieldDefinition", id=field["id"])
    assert result.data["deleteFieldDefinition"] == field | {"unique": True}
    document = await stored(contact)
    assert document["custom"] == {"kod": "A1"}
    assert entries(document, "nip") == []
    assert "uniq" not in document
    assert entries(document, "kod") == [entry("kod", encode_text("A1"))]
    assert (await stored(deleted_contact))["custom"] == {}
    assert (await stored(foreign))["custom"] == {"nip": "123"}
    assert await listed(tenant.admin) == [kept]
    again = await tenant.admin.op("DeleteFieldDefinition", id=field["id"])
    assert again.error_code == "NOT_FOUND"


async def test_searchable_rebuilds_the_keys_of_contacts_and_organizations(tenant):
    crm_id = await make_crm(tenant)
    org_field = await create(tenant.admin, entity="ORGANIZATION", name="Branża", type="TEXT")
    contact_field = await create(tenant.admin, name="Wiek", type="DECIMAL")
    organization = Organization(
        tenant_id=PydanticObjectId(tenant.id),
        crm_id=PydanticObjectId(crm_id),
        name="Acme Sp. z o.o.",
        custom={"branza": "Handel"},
    )
    await organization.insert()
    contact = await add_contact(
        tenant,
        crm_id,
        {"wiek": Decimal128("41.50")},
        organization_id=organization.id,
        email="jan@example.com",
    )

    await tenant.admin.op("SetFieldSearchable", id=org_field["id"], searchable=True)
    await tenant.admin.op("SetFieldSearchable", id=contact_field["id"], searchable=True)
    org_doc = await stored(organization.id, Organization)
    contact_doc = await stored(contact)
    assert entries(org_doc, "branza") == [entry("branza", encode_text("Handel"))]
    assert entries(contact_doc, "wiek") == [entry("wiek", encode_number(Decimal("41.5")))]
    # Every derived key is what the model computes, the organization's name included.
    contact_definitions = await definitions(tenant)
    derived = derive_contact(contact_doc, contact_definitions, "Acme Sp. z o.o.")
    assert {name: contact_doc.get(name) for name in derived} == derived
    assert "acme" in contact_doc["kw"]
    org_definitions = await definitions(tenant, FieldEntity.ORGANIZATION)
    derived = derive_organization(org_doc, org_definitions)
    assert {name: org_doc.get(name) for name in derived} == derived

    await tenant.admin.op("SetFieldSearchable", id=contact_field["id"], searchable=False)
    assert entries(await stored(contact), "wiek") == []


async def test_unique_is_refused_while_live_records_of_a_crm_share_a_value(tenant):
    crm_id = await make_crm(tenant, "Sprzedaż")
    other_crm = await make_crm(tenant, "Serwis")
    field = await create(tenant.admin, name="Nip", type="TEXT")
    duplicate_ids = [
        await add_contact(tenant, crm_id, {"nip": value}) for value in ("Acme 1", " ACME 1 ")
    ]
    await add_contact(tenant, crm_id, {"nip": "Acme 2"})
    await add_contact(tenant, other_crm, {"nip": "acme 1"})
    await add_contact(tenant, crm_id, {"nip": "acme 2"}, deleted=True)
    version = await fields_version(tenant)

    refused = await tenant.admin.op("SetFieldUnique", id=field["id"], unique=True)
    assert field_paths(refused) == {"unique"}
    assert refused.error["extensions"]["duplicates"] == [{"value": "Acme 1", "count": 2}]
    assert await listed(tenant.admin) == [field]
    assert await fields_version(tenant) == version
    assert all(["uniq" not in await stored(i) for i in duplicate_ids])

    await Contact.find_one({"_id": duplicate_ids[1]}).update({"$set": {"custom.nip": "Acme 3"}})
    allowed = await tenant.admin.op("SetFieldUnique", id=field["id"], unique=True)
    assert allowed.data["setFieldUnique"]["unique"] is True
    assert (await stored(duplicate_ids[0]))["uniq"] == [entry("nip", encode_text("Acme 1"))]

    # From now on the database refuses a duplicate, whoever writes it.
    intruder = Contact(
        tenant_id=PydanticObjectId(tenant.id),
        crm_id=PydanticObjectId(crm_id),
        first_name="Anna",
        last_name="Nowak",
        custom={"nip": "acme 1"},
        uniq=[entry("nip", encode_text("acme 1"))],
    )
    with pytest.raises(DuplicateKeyError):
        await intruder.insert()


async def test_unique_numbers_compare_by_value(tenant):
    crm_id = await make_crm(tenant)
    field = await create(tenant.admin, name="Kwota", type="DECIMAL")
    for value in ("1.50", "1.5", "2"):
        await add_contact(tenant, crm_id, {"kwota": Decimal128(value)})
    refused = await tenant.admin.op("UpdateFieldDefinition", id=field["id"], input={"unique": True})
    assert field_paths(refused) == {"input.unique"}
    assert refused.error["extensions"]["duplicates"] == [{"value": "1.50", "count": 2}]
    assert await listed(tenant.admin) == [field]


async def test_a_type_change_of_a_unique_field_must_not_make_duplicates(tenant):
    crm_id = await make_crm(tenant)
    field = await create(tenant.admin, name="Numer", type="TEXT", unique=True)
    ids = [await add_contact(tenant, crm_id, {"numer": value}) for value in ("7", "07", "8")]
    await tenant.admin.op("SetFieldUnique", id=field["id"], unique=False)
    await tenant.admin.op("SetFieldUnique", id=field["id"], unique=True)
    before = [await stored(i) for i in ids]
    assert before[1]["uniq"] == [entry("numer", "07")]

    refused = await tenant.admin.op(
        "UpdateFieldDefinition", id=field["id"], input={"type": "INTEGER"}
    )
    assert field_paths(refused) == {"input.type"}
    assert refused.error["extensions"]["duplicates"] == [{"value": 7, "count": 2}]
    assert await listed(tenant.admin) == [field | {"unique": True}]
    assert [await stored(i) for i in ids] == before


async def test_a_duplicate_stored_during_the_change_withdraws_unique(tenant, monkeypatch):
    """A record written between the duplicate check and the rebuild (simulated by skipping the
    check once): the unique index refuses it, the field is left not unique, the duplicates
    are reported."""
    crm_id = await make_crm(tenant)
    field = await create(tenant.admin, name="Nip", type="TEXT")
    ids = [await add_contact(tenant, crm_id, {"nip": "123"}) for _ in range(2)]
    real_check = service.check_no_duplicates
    calls = []

    async def raced_once(*args):
        calls.append(args)
        if len(calls) > 1:
            await real_check(*args)

    monkeypatch.setattr(service, "check_no_duplicates", raced_once)
    result = await tenant.admin.op("SetFieldUnique", id=field["id"], unique=True)
    monkeypatch.undo()

    assert field_paths(result) == {"unique"}
    assert result.error["extensions"]["duplicates"] == [{"value": "123", "count": 2}]
    assert await listed(tenant.admin) == [field]
    assert all(["uniq" not in await stored(i) for i in ids])


async def test_records_are_rewritten_in_batches_to_the_last_one(tenant, monkeypatch):
    monkeypatch.setattr(records, "BATCH_SIZE", 2)
    crm_id = await make_crm(tenant)
    field = await create(tenant.admin, name="Kod", type="TEXT")
    ids = [await add_contact(tenant, crm_id, {"kod": str(n)}) for n in range(5)]

    await tenant.admin.op("UpdateFieldDefinition", id=field["id"], input={"type": "INTEGER"})
    await tenant.admin.op("SetFieldSearchable", id=field["id"], searchable=True)
    documents = [await stored(i) for i in ids]
    assert [d["custom"]["kod"] for d in documents] == [0, 1, 2, 3, 4]
    assert [entries(d, "kod") for d in documents] == [
        [entry("kod", encode_number(n))] for n in range(5)
    ]
