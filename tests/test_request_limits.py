"""Request bodies are bounded (CRM_MAX_REQUEST_BYTES; telephony events 16 KB) while they stream
in, and the cache of parsed documents keeps only documents that validated, within its bounds."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from beanie import PydanticObjectId

from app.telephony import MAX_BODY_BYTES as TELEPHONY_MAX_BYTES
from graphql import parse
from models.contact import Contact
from resolvers import parse_once
from resolvers.parse_once import BYTES_PER_TOKEN, ValidatedDocuments
from resolvers.schema import build_schema
from tests.operations import document
from tests.records import with_default_crm


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def create_contact_body(last_name: str) -> bytes:
    variables = {"input": {"firstName": "Jan", "lastName": last_name}}
    payload = {"query": document("CreateContact"), "variables": variables}
    return json.dumps({**payload, "operationName": "CreateContact"}).encode()


async def chunks(body: bytes, size: int, sent: list[int]) -> AsyncIterator[bytes]:
    """The body in chunks (no Content-Length: chunked transfer), counting those taken."""
    for start in range(0, len(body), size):
        sent.append(start)
        yield body[start : start + size]


def assert_too_large(response: Any, max_bytes: int) -> None:
    assert response.status_code == 413, response.text[:300]
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_REQUEST", "maxBytes": max_bytes}


async def stored_contacts(tenant) -> int:
    return await Contact.find({"tenant_id": PydanticObjectId(tenant.id)}).count()


async def test_a_declared_body_over_the_limit_is_refused_and_stores_nothing(http, tenant, settings):
    await with_default_crm(tenant)
    body = create_contact_body("K" * settings.max_request_bytes)
    response = await http.post("/graphql", content=body, headers=bearer(tenant.admin.token))
    assert_too_large(response, settings.max_request_bytes)
    anonymous = await http.post("/graphql", content=body)
    assert_too_large(anonymous, settings.max_request_bytes)
    assert await stored_contacts(tenant) == 0


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(http, tenant, settings):
    await with_default_crm(tenant)
    body = create_contact_body("K" * 10 * settings.max_request_bytes)
    sent: list[int] = []
    response = await http.post(
        "/graphql",
        content=chunks(body, 64 * 1024, sent),
        headers={**bearer(tenant.admin.token), "Content-Type": "application/json"},
    )
    assert_too_large(response, settings.max_request_bytes)
    # Refused while streaming: the rest of the 10 MB was never read.
    assert len(sent) * 64 * 1024 <= settings.max_request_bytes + 2 * 64 * 1024
    assert await stored_contacts(tenant) == 0


async def test_a_body_within_the_limit_is_served(http, tenant, settings):
    await with_default_crm(tenant)
    body = create_contact_body("Kowalski")
    padded = body[:-1] + b" " * (settings.max_request_bytes - len(body)) + b"}"
    assert len(padded) == settings.max_request_bytes
    response = await http.post(
        "/graphql",
        content=chunks(padded, 100_000, []),
        headers={**bearer(tenant.admin.token), "Content-Type": "application/json"},
    )
    assert response.json()["data"]["createContact"]["lastName"] == "Kowalski"


async def test_a_twenty_megabyte_login_email_is_refused_before_it_is_read(http, settings):
    login = json.dumps(
        {
            "query": document("Login"),
            "operationName": "Login",
            "variables": {"email": "a" * 20_000_000 + "@example.com", "password": "x"},
        }
    ).encode()
    sent: list[int] = []
    response = await http.post(
        "/graphql",
        content=chunks(login, 1 << 20, sent),
        headers={"Content-Type": "application/json"},
    )
    assert_too_large(response, settings.max_request_bytes)
    assert len(sent) <= 2


async def test_telephony_events_are_bounded_with_the_same_answer(http, tenant):
    big = {"type": "ENDED", "callId": "c" * TELEPHONY_MAX_BYTES}
    response = await http.post("/telephony/events", json=big, headers=bearer(tenant.admin.token))
    assert_too_large(response, TELEPHONY_MAX_BYTES)
    chunked = await http.post(
        "/telephony/events",
        content=chunks(json.dumps(big).encode(), 4096, []),
        headers=bearer(tenant.admin.token),
    )
    assert_too_large(chunked, TELEPHONY_MAX_BYTES)


async def test_uploads_keep_their_own_limit(http, tenant, settings):
    """A multipart request larger than CRM_MAX_REQUEST_BYTES but within CRM_IMPORT_MAX_MB."""
    response = await http.post(
        "/graphql",
        data={"operations": '{"query": "{ me { id } }"}', "map": "{}"},
        files={"0": ("big.csv", b"x" * (2 * settings.max_request_bytes), "text/csv")},
        headers=bearer(tenant.admin.token),
    )
    assert response.status_code == 200, response.text[:300]
    assert response.json()["data"]["me"]["id"]


# --- the cache of parsed documents ---------------------------------------------------------------


@pytest.fixture
def documents(monkeypatch) -> ValidatedDocuments:
    """A fresh cache in place of the process's, so that its contents are this test's."""
    fresh = ValidatedDocuments()
    monkeypatch.setattr(parse_once, "DOCUMENTS", fresh)
    return fresh


async def test_only_documents_that_validated_are_kept(anonymous, tenant, documents):
    for n in range(20):
        garbage = await anonymous.raw(f"{{ me {{ id no_such_field_{n} }} }}")
        assert garbage.error_code == "BAD_REQUEST"
    await anonymous.raw("{ me { id ")  # does not parse
    assert len(documents) == 0
    for _ in range(3):
        served = await tenant.admin.raw("{ me { id } }")
        assert served.data["me"]["id"]
    assert len(documents) == 1


async def test_a_kept_document_is_validated_for_its_own_schema(tenant, new_tenant, documents):
    """A company with custom fields has a schema of its own: a document valid for it is not
    valid for the base schema, though the cache holds it."""
    other = await new_tenant()
    await with_default_crm(tenant)
    await tenant.admin.op(
        "CreateFieldDefinition", input={"entity": "CONTACT", "name": "Obrot", "type": "DECIMAL"}
    )
    query = "{ contacts(first: 1) { edges { node { custom { obrot } } } } }"
    kept = len(documents)
    assert (await tenant.admin.raw(query)).data["contacts"]["edges"] == []
    assert len(documents) == kept + 1
    refused = await other.admin.raw(query)
    assert refused.error_code == "BAD_REQUEST"
    assert len(documents) == kept + 1


def keep(cache: ValidatedDocuments, schema: Any, text: str) -> None:
    cache.put(schema, (id(schema), text, ()), parse(text))


def kept(cache: ValidatedDocuments, schema: Any, text: str) -> bool:
    return cache.get(schema, (id(schema), text, ())) is not None


def test_the_cache_is_bounded_by_entries_bytes_and_document_size():
    schema = build_schema()._schema
    by_entries = ValidatedDocuments(max_entries=50)
    small = [f"{{ me {{ id a{n}: displayName }} }}" for n in range(100)]
    for text in small:
        keep(by_entries, schema, text)
    assert len(by_entries) == 50
    assert kept(by_entries, schema, small[-1])
    assert not kept(by_entries, schema, small[0])  # least recently used: out

    by_size = ValidatedDocuments(max_document_bytes=4096)
    big = "{ me { id } }" + " " * 5000
    keep(by_size, schema, big)
    assert not kept(by_size, schema, big)

    by_bytes = ValidatedDocuments(max_bytes=200_000)
    many_tokens = "{ me { " + " ".join(f"a{n}: id" for n in range(100)) + " } }"
    for n in range(20):
        keep(by_bytes, schema, many_tokens + f" # {n}")
    # The bytes bound counts the parsed tokens (300 of them here), not only the text.
    per_document = by_bytes.size / len(by_bytes)
    assert per_document > BYTES_PER_TOKEN * 300
    assert by_bytes.size <= 200_000 < by_bytes.size + per_document


def test_a_document_kept_for_one_schema_is_not_found_for_another():
    first, second = build_schema()._schema, build_schema()._schema
    cache = ValidatedDocuments()
    text = "{ me { id } }"
    cache.put(first, (id(first), text, ()), parse(text))
    assert cache.get(first, (id(first), text, ())) is not None
    assert cache.get(second, (id(first), text, ())) is None
