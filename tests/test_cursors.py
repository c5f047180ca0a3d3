"""A list's ``after`` cursor is read back only as the values of that list's sort keys: a crafted
cursor (an operator, a pattern, JavaScript, deep nesting, a huge number, a value of another
type) is refused with VALIDATION_FAILED at ``after``, never run and never an internal error."""

import base64
import json

import pytest
import pytest_asyncio

from tests.records import CrmTenant, with_default_crm

OID = {"$oid": "0123456789abcdef01234567"}
DATE = {"$date": "2024-01-01T00:00:00Z"}


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def values(*items: object) -> str:
    return cursor(json.dumps(list(items)))


CRAFTED = {
    "operator object": values({"$gt": ""}, OID),
    "$where": values({"$where": "sleep(1000) || true"}, OID),
    "$regex": values({"$regex": "^(a+)+$", "$options": ""}, OID),
    "operator in the id": values("kowalski", {"$gt": ""}),
    "nested document": values({"a": {"b": {"c": 1}}}, OID),
    "array value": values(["a", "b"], OID),
    "deep nesting": cursor("[" * 5000 + "]" * 5000),
    "deep nesting of documents": cursor('[{"a":' * 3000 + "1" + "}" * 3000 + "]"),
    "huge integer": values(10**40, OID),
    "huge integer id": values("kowalski", 10**40),
    "number for a name": values(12, OID),
    "date for a name": values(DATE, OID),
    "date out of range": values({"$date": {"$numberLong": "99999999999999999999"}}, OID),
    "decimal overflow": values({"$numberDecimal": "1e999999"}, OID),
    "NaN": cursor('[NaN, {"$oid": "0123456789abcdef01234567"}]'),
    "code": values({"$code": "function () { return true; }"}, OID),
    "too few values": values(OID),
    "too many values": values("a", "b", OID),
    "not a list": values({"name_sort": "a"}),
    "not base64": "%%%not-base64%%%",
    "not JSON": cursor("{[}"),
    "empty": "",
}


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    crm = await with_default_crm(tenant)
    for last in ("Kowalski", "Nowak", "Żak"):
        await crm.admin.op("CreateContact", input={"firstName": "Jan", "lastName": last})
    return crm


@pytest.mark.parametrize("name", list(CRAFTED))
async def test_a_crafted_cursor_is_refused_at_after(crm, name):
    result = await crm.admin.op("FilteredContacts", first=2, after=CRAFTED[name])
    assert result.error_code == "VALIDATION_FAILED", result.body
    assert result.errors[0]["extensions"]["field"] == "after"


@pytest.mark.parametrize(
    "name", ["operator object", "$where", "huge integer", "deep nesting", "number for a name"]
)
async def test_crafted_cursors_are_refused_by_every_list(crm, name):
    for operation in ("OrganizationsList", "Users", "ImportJobs"):
        result = await crm.admin.op(operation, first=2, after=CRAFTED[name])
        assert result.error_code == "VALIDATION_FAILED", (operation, result.body)


async def test_a_list_by_time_takes_a_date_and_no_text(crm):
    by_time = {"orderBy": [{"field": "CREATED_AT"}]}
    first = await crm.admin.op("FilteredContacts", first=1, **by_time)
    after = first.data["contacts"]["pageInfo"]["endCursor"]
    second = await crm.admin.op("FilteredContacts", first=5, after=after, **by_time)
    assert len(second.data["contacts"]["edges"]) == 2
    refused = await crm.admin.op("FilteredContacts", first=5, after=values("x", OID), **by_time)
    assert refused.error_code == "VALIDATION_FAILED"
    # A cursor of the list by name is not one of the list by time.
    by_name = await crm.admin.op("FilteredContacts", first=1)
    other = by_name.data["contacts"]["pageInfo"]["endCursor"]
    mixed = await crm.admin.op("FilteredContacts", first=5, after=other, **by_time)
    assert mixed.error_code == "VALIDATION_FAILED"


async def test_the_lists_own_cursors_page_through_it(crm):
    seen, after = [], None
    while True:
        page = (await crm.admin.op("FilteredContacts", first=1, after=after)).data["contacts"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 3
