"""Requests the service cannot read get a coded error (BAD_REQUEST, or VALIDATION_FAILED with a
path), never HTTP 500 nor plain text, and change nothing stored (issue 11, item 14)."""

import json
from typing import Any
from urllib.parse import quote_from_bytes

import httpx
import pytest
import pytest_asyncio
from beanie import PydanticObjectId

from models.call_event import CallEvent
from models.contact import Contact
from tests.calls import telephony_token
from tests.conftest import Tenant
from tests.operations import document
from tests.records import CUSTOM_CONTACT_FIELDS, define_fields, with_default_crm
from tests.test_contact_filters import module_tenant

CREATE = json.dumps(
    {
        "query": document("CreateContact"),
        "operationName": "CreateContact",
        "variables": {"input": {"firstName": "Jan", "lastName": "Kowalski"}},
    }
)


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def coded_error(response: httpx.Response, status: int = 400, code: str = "BAD_REQUEST") -> dict:
    assert response.status_code == status, response.text[:300]
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code, error
    return error


async def stored_contacts(tenant: Tenant) -> int:
    return await Contact.find({"tenant_id": PydanticObjectId(tenant.id)}).count()


@pytest_asyncio.fixture(scope="module")
async def company(http, services) -> Tenant:
    """One company for the module, with a CRM and the custom fields of tests/records.py; the
    tests here store nothing in it (that is what they check)."""
    tenant = await module_tenant(http, services, "Malformed")
    await with_default_crm(tenant)
    await define_fields(tenant, CUSTOM_CONTACT_FIELDS)
    return tenant


def deep(depth: int, leaf: str = "1") -> str:
    return '{"a":' * depth + leaf + "}" * depth


def with_member(name: str, value: Any) -> bytes:
    return json.dumps({**json.loads(CREATE), name: value}).encode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(CREATE.encode()[:-40] + b"\xff\xfe" + CREATE.encode()[-40:], id="bad-utf8"),
        pytest.param(CREATE.encode().replace(b"Kowalski", b"Kowalski\xed\xa0\x80"), id="surrogate"),
        pytest.param(b"42", id="number"),
        pytest.param(b"[]", id="empty-list"),
        pytest.param(b'"x"', id="string"),
        pytest.param(b"null", id="null"),
        pytest.param(b"{", id="not-json"),
        pytest.param(CREATE[:-1].encode() + b', "extra": ' + deep(5000).encode() + b"}", id="deep"),
        pytest.param(
            CREATE[:-1].encode() + b', "extra": ' + b"[" * 900 + b"]" * 900 + b"}", id="900"
        ),
        pytest.param(CREATE.replace('"Jan"', "NaN").encode(), id="nan"),
        pytest.param(CREATE.replace('"Jan"', "1e999999").encode(), id="huge-float"),
        pytest.param(CREATE.replace('"Jan"', "1" * 5000).encode(), id="huge-int"),
        pytest.param(b"[" + CREATE.encode() + b"]", id="batch"),
        pytest.param(with_member("operationName", 5), id="operation-name"),
        pytest.param(with_member("operationName", {"$gt": ""}), id="operation-name-object"),
        pytest.param(with_member("extensions", []), id="extensions"),
        pytest.param(CREATE.replace('"query": "', '"query": 5, "q": "').encode(), id="query"),
    ],
)
async def test_an_unreadable_graphql_body_is_a_coded_error_and_stores_nothing(http, company, body):
    response = await http.post(
        "/graphql",
        content=body,
        headers={**bearer(company.admin.token), "Content-Type": "application/json"},
    )
    coded_error(response)
    assert await stored_contacts(company) == 0


async def test_a_variables_object_5000_deep_is_refused_before_graphql_sees_it(http, company):
    payload = json.loads(CREATE)
    body = json.dumps(payload)[:-1] + ', "variables": {"input": ' + deep(5000) + "}}"
    response = await http.post(
        "/graphql",
        content=body,
        headers={**bearer(company.admin.token), "Content-Type": "application/json"},
    )
    assert "64 levels" in coded_error(response)["message"]
    assert await stored_contacts(company) == 0


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(b"query={ me { id } }&variables={", id="variables-not-json"),
        pytest.param(b"query={ me { id } }&variables=5", id="variables-number"),
        pytest.param(b"query={ me { id } }&variables=" + deep(200).encode(), id="variables-deep"),
        pytest.param(b"query={ me { id } }&variables=\xff", id="variables-bad-utf8"),
        pytest.param(b"query=mutation { logout }", id="mutation"),
    ],
)
async def test_a_bad_get_request_is_a_coded_error(http, company, query):
    url = "/graphql?" + quote_from_bytes(query, safe="=&")
    response = await http.get(
        url, headers={**bearer(company.admin.token), "Accept": "application/json"}
    )
    coded_error(response, status=400)


UPLOAD_QUERY = {"query": "mutation ($file: Upload!) { importContacts(file: $file) { id } }"}


@pytest.mark.parametrize(
    ("data", "files"),
    [
        pytest.param({"operations": "{bad", "map": "{}"}, {}, id="operations-not-json"),
        pytest.param({"operations": "42", "map": "{}"}, {}, id="operations-number"),
        pytest.param(
            {"operations": json.dumps(UPLOAD_QUERY), "map": '{"0": ["variables.file"]}'},
            {},
            id="map-names-a-missing-file",
        ),
        pytest.param(
            {"operations": json.dumps(UPLOAD_QUERY), "map": '{"0": ["query.x.y"]}'},
            {"0": ("a.csv", b"a,b\n", "text/csv")},
            id="map-points-nowhere",
        ),
        pytest.param(
            {"operations": json.dumps(UPLOAD_QUERY), "map": '{"0": ["variables.list.x"]}'},
            {"0": ("a.csv", b"a,b\n", "text/csv")},
            id="map-into-nothing",
        ),
        pytest.param(
            {"operations": json.dumps(UPLOAD_QUERY), "map": "[1]"},
            {"0": ("a.csv", b"a,b\n", "text/csv")},
            id="map-a-list",
        ),
        pytest.param(
            {"operations": json.dumps(UPLOAD_QUERY), "map": '{"0": 5}'},
            {"0": ("a.csv", b"a,b\n", "text/csv")},
            id="map-a-number",
        ),
    ],
)
async def test_a_broken_multipart_request_is_a_coded_error(http, company, data, files):
    response = await http.post(
        "/graphql", data=data, files=files or {"x": ("x", b"")}, headers=bearer(company.admin.token)
    )
    coded_error(response)


@pytest.mark.parametrize("file", ["", "a,b;1,2", 5, {"filename": "a.csv"}, [1]])
async def test_an_upload_that_is_not_a_file_part_is_a_coded_error(company, file):
    """Strawberry's Upload took any value: a string sent in JSON reached the import."""
    refused = await company.admin.raw(UPLOAD_QUERY["query"], {"file": file})
    assert refused.error_code == "BAD_REQUEST", refused.body


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=x", "text/plain"],
)
async def test_an_unreadable_multipart_body_is_a_coded_error(http, company, content_type):
    response = await http.post(
        "/graphql",
        content=b"garbage",
        headers={**bearer(company.admin.token), "Content-Type": content_type},
    )
    coded_error(response)


async def test_routing_refusals_are_coded(http):
    coded_error(await http.get("/no-such-path"), status=404, code="NOT_FOUND")
    refused = await http.put("/graphql", content=b"{}")
    coded_error(refused, status=405)
    assert set(refused.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


# --- decimals -------------------------------------------------------------------------------------


OUT_OF_RANGE = ["1e999999", "1e-999999", "1" * 35, "NaN", "Infinity", "-Infinity", "sNaN"]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
async def test_a_decimal_decimal128_cannot_hold_is_refused_and_not_stored(company, value):
    created = await company.admin.op(
        "CreateCustomContact",
        input={"firstName": "Jan", "lastName": "Kowalski", "custom": {"obrot": value}},
    )
    assert created.error_code == "BAD_REQUEST", created.body
    assert "obrot" in created.error["message"]
    assert await stored_contacts(company) == 0


@pytest.mark.parametrize("value", OUT_OF_RANGE)
async def test_a_decimal_filter_out_of_range_is_refused(company, value):
    for condition in ({"gt": value}, {"in": ["1", value]}):
        filter_ = {"custom": {"obrot": condition}}
        refused = await company.admin.op("CustomContacts", filter=filter_)
        assert refused.error_code == "BAD_REQUEST", refused.body


@pytest.mark.parametrize(
    "literal", ["1e999999", "1e-999999", "0." + "1" * 35, '"NaN"', '"-Infinity"', "true", "[1]"]
)
async def test_a_decimal_literal_out_of_range_is_refused(company, literal):
    query = f"{{ contacts(filter: {{custom: {{obrot: {{lt: {literal}}}}}}}) {{ totalCount }} }}"
    refused = await company.admin.raw(query)
    assert refused.error_code == "BAD_REQUEST", refused.body


async def test_decimals_decimal128_holds_are_taken(tenant):
    await with_default_crm(tenant)
    await define_fields(tenant, CUSTOM_CONTACT_FIELDS)
    for value in ["1E+6111", "1E-6176", "-12.5", "9" * 34]:
        created = await tenant.admin.op(
            "CreateCustomContact",
            input={"firstName": "Jan", "lastName": value, "custom": {"obrot": value}},
        )
        assert created.data["createContact"]["custom"]["obrot"] == value
    for literal, count in (("0", 1), ("-12.4999999999999999999999999", 1), ("-12.5", 0)):
        query = f"{{ contacts(filter: {{custom: {{obrot: {{lt: {literal}}}}}}}) {{ totalCount }} }}"
        assert (await tenant.admin.raw(query)).data["contacts"]["totalCount"] == count


# --- telephony events --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(b"[" * 5000 + b"]" * 5000, "body", id="5000-deep"),
        pytest.param(deep(2500).encode(), "body", id="2500-deep-objects"),
        pytest.param(b'{"type": "ENDED", "callId": "c-\xff"}', "body", id="bad-utf8"),
        pytest.param(b"42", "body", id="number"),
        pytest.param(b'{"type": ["ENDED"], "callId": "c"}', "type", id="type-a-list"),
        pytest.param(b'{"type": {"a": 1}, "callId": "c"}', "type", id="type-an-object"),
        pytest.param(b'{"type": "ENDED", "callId": NaN}', "body", id="nan"),
    ],
)
async def test_an_unreadable_telephony_event_is_a_coded_error(http, company, services, body, field):
    response = await http.post(
        "/telephony/events", content=body, headers=bearer(telephony_token(services, company))
    )
    error = coded_error(response, status=422, code="VALIDATION_FAILED")
    assert error["extensions"]["field"] == field
    assert await CallEvent.find({"tenant_id": PydanticObjectId(company.id)}).count() == 0
