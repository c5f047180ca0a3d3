"""The free-text ``search`` of contacts, their order, and keyset pages through the API.

``search``: each word must start a word of the names, the email, a phone or the organization's
name, without regard to case or diacritics. Order: names (last name, then first name) in Polish
alphabetical order by default; creation or update time on request. Pages are keyset pages.
"""

import base64
import json
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio

from tests.client import GraphQLClient, field_paths
from tests.records import CrmTenant, with_default_crm
from tests.test_contact_filters import module_tenant

ORGANIZATION = "Zakłady Mięsne Bąk"
# (last name, first name, extra members): created in this order.
PEOPLE: list[tuple[str, str, dict[str, Any]]] = [
    ("Żak", "Piotr", {"organization": True}),
    (
        "Kowalski",
        "Łukasz",
        {
            "email": "Lukasz.Kowalski@firma.pl",
            "phones": [{"number": "+48 501 234 567"}],
            "organization": True,
        },
    ),
    ("Kowalczyk", "Łucja", {}),
    ("Mazur", "Adam", {"email": "biuro@firma.pl"}),
    ("Kowal", "Lukas", {}),
    ("Nowak", "Łukasz", {}),
    ("Dąbrowska", "Maria", {}),
    ("Lis", "Ewa", {"phones": [{"number": "22 123 45 67"}]}),
    ("Dbała", "Ignacy", {}),
    ("Łukasiewicz", "Jan", {}),
    ("Dabrowski", "Kamil", {}),
    ("Zając", "Anna", {}),
    ("Kowalski", "Mateusz", {}),
    ("Źrebiec", "Ola", {}),
    ("Kowalski", "Lucjan", {}),
]
# Polish order of "last name first name", written out: a < ą < b, l < ł < m, z < ź < ż, and a
# shorter last name before a longer one it begins ("Kowal" < "Kowalczyk").
POLISH_ORDER = [
    "Dabrowski Kamil",
    "Dąbrowska Maria",
    "Dbała Ignacy",
    "Kowal Lukas",
    "Kowalczyk Łucja",
    "Kowalski Lucjan",
    "Kowalski Łukasz",
    "Kowalski Mateusz",
    "Lis Ewa",
    "Łukasiewicz Jan",
    "Mazur Adam",
    "Nowak Łukasz",
    "Zając Anna",
    "Źrebiec Ola",
    "Żak Piotr",
]


def full_name(node: dict[str, Any]) -> str:
    return f"{node['lastName']} {node['firstName']}"


async def create_people(crm: CrmTenant) -> list[dict[str, Any]]:
    admin = crm.admin
    created = await admin.op("CreateOrganization", input={"name": ORGANIZATION})
    organization_id = created.data["createOrganization"]["id"]
    contacts = []
    for last, first, extra in PEOPLE:
        members = {k: v for k, v in extra.items() if k != "organization"}
        if extra.get("organization"):
            members["organizationId"] = organization_id
        result = await admin.op(
            "CreateContact", input={"firstName": first, "lastName": last, **members}
        )
        contacts.append(result.data["createContact"])
    return contacts


@pytest_asyncio.fixture(scope="module")
async def people(http, services) -> tuple[CrmTenant, list[dict[str, Any]]]:
    crm = await with_default_crm(await module_tenant(http, services, "Search"))
    return crm, await create_people(crm)


@pytest.fixture
def admin(people) -> GraphQLClient:
    return people[0].admin


async def all_pages(
    admin: GraphQLClient, operation: str = "OrderedContacts", first: int = 3, **variables: Any
) -> list[dict[str, Any]]:
    """Every node of the list, page after page of ``first``."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        result = await admin.op(operation, first=first, after=after, **variables)
        page = result.data["contacts"]
        nodes.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        assert len(page["edges"]) == first
        after = page["pageInfo"]["endCursor"]


async def searched(admin: GraphQLClient, search: str, **variables: Any) -> set[str]:
    nodes = await all_pages(admin, "SearchContacts", first=50, search=search, **variables)
    return {full_name(node) for node in nodes}


# --- search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("lukasz kow", {"Kowalski Łukasz"}),
        ("ŁUKASZ  KOWALSKI", {"Kowalski Łukasz"}),
        ("kow łukasz", {"Kowalski Łukasz"}),
        ("lukas", {"Kowalski Łukasz", "Nowak Łukasz", "Kowal Lukas", "Łukasiewicz Jan"}),
        (
            "kowal",
            {
                "Kowalski Łukasz",
                "Kowalski Mateusz",
                "Kowalski Lucjan",
                "Kowalczyk Łucja",
                "Kowal Lukas",
            },
        ),
        ("zajac", {"Zając Anna"}),
        ("zrebiec", {"Źrebiec Ola"}),
        ("dab", {"Dąbrowska Maria", "Dabrowski Kamil"}),
    ],
)
async def test_search_matches_word_prefixes_of_names_ignoring_case_and_diacritics(
    admin, search, found
):
    assert await searched(admin, search) == found


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("lukasz.kow", {"Kowalski Łukasz"}),
        ("Lukasz.Kowalski@firma.pl", {"Kowalski Łukasz"}),
        ("firma", {"Kowalski Łukasz", "Mazur Adam"}),
        ("biuro@", {"Mazur Adam"}),
    ],
)
async def test_search_finds_by_email(admin, search, found):
    assert await searched(admin, search) == found


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("501234567", {"Kowalski Łukasz"}),
        ("50123", {"Kowalski Łukasz"}),
        ("48501234567", {"Kowalski Łukasz"}),
        ("+48501234567", {"Kowalski Łukasz"}),
        ("221234567", {"Lis Ewa"}),
        ("+4822123", {"Lis Ewa"}),
        ("501 234 567", {"Kowalski Łukasz"}),
        ("+48 501-234", {"Kowalski Łukasz"}),
        ("0048 (22) 123 45 67", {"Lis Ewa"}),
        ("lis 22 123", {"Lis Ewa"}),
        ("kowalski 22 123", set()),
    ],
)
async def test_search_finds_by_phone_digits_national_and_international(admin, search, found):
    assert await searched(admin, search) == found


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("miesne", {"Żak Piotr", "Kowalski Łukasz"}),
        ("Zakłady Mięsne", {"Żak Piotr", "Kowalski Łukasz"}),
        ("ZAKLADY BAK", {"Żak Piotr", "Kowalski Łukasz"}),
        ("bąk łukasz", {"Kowalski Łukasz"}),
    ],
)
async def test_search_finds_by_organization_name(admin, search, found):
    assert await searched(admin, search) == found


async def test_search_with_a_filter_and_no_match(admin):
    narrowed = await searched(admin, "kowalski", filter={"firstName": {"startsWith": "m"}})
    assert narrowed == {"Kowalski Mateusz"}
    assert await searched(admin, "kowalskiego") == set()
    assert await searched(admin, "lukasz nowak kow") == set()


async def test_search_results_page_in_polish_order(admin):
    nodes = await all_pages(admin, search="kow", first=2)
    assert [full_name(n) for n in nodes] == [
        "Kowal Lukas",
        "Kowalczyk Łucja",
        "Kowalski Lucjan",
        "Kowalski Łukasz",
        "Kowalski Mateusz",
    ]


# --- order and pages -----------------------------------------------------------------------------


async def test_the_default_order_is_polish_alphabetical_page_by_page(admin):
    nodes = await all_pages(admin, first=3)
    assert [full_name(n) for n in nodes] == POLISH_ORDER
    by_name = await all_pages(admin, first=4, orderBy=[{"field": "NAME"}])
    assert [full_name(n) for n in by_name] == POLISH_ORDER
    descending = await all_pages(admin, first=3, orderBy=[{"field": "NAME", "direction": "DESC"}])
    assert [full_name(n) for n in descending] == POLISH_ORDER[::-1]


async def test_order_by_creation_time_both_ways(admin, people):
    _, contacts = people
    created = [c["id"] for c in contacts]
    ascending = await all_pages(admin, orderBy=[{"field": "CREATED_AT", "direction": "ASC"}])
    assert [n["id"] for n in ascending] == created
    descending = await all_pages(admin, orderBy=[{"field": "CREATED_AT", "direction": "DESC"}])
    assert [n["id"] for n in descending] == created[::-1]


async def test_order_by_update_time_both_ways(admin, people):
    _, contacts = people
    position = {c["id"]: i for i, c in enumerate(contacts)}
    updated_at = {c["id"]: c["updatedAt"] for c in contacts}
    for contact in (contacts[9], contacts[2], contacts[12]):  # an order of their own
        result = await admin.op("UpdateContact", id=contact["id"], input={"tags": ["ruszony"]})
        updated_at[contact["id"]] = result.data["updateContact"]["updatedAt"]
    # Equal times (the same millisecond) are ordered by id: by creation here.
    expected = sorted(
        updated_at, key=lambda i: (datetime.fromisoformat(updated_at[i]), position[i])
    )
    assert expected[-3:] == [contacts[9]["id"], contacts[2]["id"], contacts[12]["id"]]
    ascending = await all_pages(admin, orderBy=[{"field": "UPDATED_AT"}])
    assert [n["id"] for n in ascending] == expected
    descending = await all_pages(admin, orderBy=[{"field": "UPDATED_AT", "direction": "DESC"}])
    assert [n["id"] for n in descending] == expected[::-1]


async def test_keyset_pages_hold_every_contact_once_and_total_count_agrees(admin):
    seen: list[str] = []
    counts = set()
    after = None
    while True:
        page = (await admin.op("CountedContacts", first=3, after=after)).data["contacts"]
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        counts.add(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == len(PEOPLE)
    assert counts == {len(PEOPLE)}
    beyond = await admin.op("CountedContacts", first=3, after=page["pageInfo"]["endCursor"])
    assert beyond.data["contacts"]["edges"] == []


async def test_a_page_is_at_most_200(admin):
    refused = await admin.op("CountedContacts", first=201)
    assert field_paths(refused) == {"first"}
    assert field_paths(await admin.op("CountedContacts", first=-1)) == {"first"}
    allowed = await admin.op("CountedContacts", first=200)
    assert len(allowed.data["contacts"]["edges"]) == len(PEOPLE)


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


@pytest.mark.parametrize(
    "after",
    [
        "not a cursor",
        "e30",  # {} in base64
        _cursor([1]),  # too short for this order
        _cursor(["name", "not an id"]),
        _cursor(["a", "b", {"$oid": "0123456789abcdef01234567"}]),
    ],
)
async def test_a_malformed_cursor_names_after(admin, after):
    result = await admin.op("OrderedContacts", first=3, after=after)
    assert field_paths(result) == {"after"}
