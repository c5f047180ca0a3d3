"""The text rules of every text input (models/text_rules.py) through the API: one stored form per
visible text, control characters and unpaired surrogates refused with a coded error."""

import json
from typing import Any

from app.services import Services
from models.field_definition import FieldType
from resolvers.input_guard import NOT_NORMALIZED
from tests.calls import call_desk
from tests.client import GraphQLClient, Result, field_paths
from tests.conftest import PASSWORD, Tenant, login
from tests.operations import document
from tests.records import define_fields, with_default_crm

CREATE = "mutation($input: CreateContactInput!) { createContact(input: $input) { id firstName } }"
CREATE_NOTE = """
mutation($input: CreateContactInput!) {
  createContact(input: $input) { id custom { notatka } }
}"""
CREATE_CUSTOM = """
mutation($input: CreateContactInput!) {
  createContact(input: $input) { id custom { kod } }
}"""


async def send(
    client: GraphQLClient, query: str, variables: dict[str, Any], name: str | None = None
) -> Result:
    """Like ``client.raw``, with the body written by hand: JSON escapes (``\\ud800``) reach the
    service as a client would send them, where httpx would refuse to encode them."""
    headers = {"Content-Type": "application/json"}
    if client.token:
        headers["Authorization"] = f"Bearer {client.token}"
    body = json.dumps({"query": query, "variables": variables, "operationName": name})
    response = await client.http.post("/graphql", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return Result(response.status_code, response.json())


async def send_op(client: GraphQLClient, name: str, **variables: Any) -> Result:
    """The named operation of ``graphql/``, sent like :func:`send`."""
    return await send(client, document(name), variables, name)


async def contact_names(admin: GraphQLClient) -> list[str]:
    listed = await admin.op("Contacts", first=50)
    return [edge["node"]["firstName"] for edge in listed.data["contacts"]["edges"]]


async def test_unique_text_differing_only_by_invisible_characters_conflicts(tenant: Tenant):
    await with_default_crm(tenant)
    await define_fields(tenant, {"kod": (FieldType.TEXT, [], True, True)})
    base = {"firstName": "Jan", "lastName": "Nowak"}
    first = await send(tenant.admin, CREATE_CUSTOM, {"input": {**base, "custom": {"kod": "N-A-0"}}})
    assert first.data["createContact"]["custom"]["kod"] == "N-A-0"
    for hidden in ("N-A-0\u200b", "\ufeffN-A-0", "N-\u00adA-0", "N-A-0\u2060"):
        again = await send(
            tenant.admin, CREATE_CUSTOM, {"input": {**base, "custom": {"kod": hidden}}}
        )
        assert again.error_code == "CONFLICT", hidden


async def test_a_control_character_in_a_name_is_refused_at_its_path(tenant: Tenant):
    await with_default_crm(tenant)
    refused = await send(tenant.admin, CREATE, {"input": {"firstName": "Jan\x00", "lastName": "N"}})
    assert field_paths(refused) == {"input.firstName"}
    assert "control character (U+0000)" in refused.error["message"]
    line_break = await send(
        tenant.admin, CREATE, {"input": {"firstName": "Jan", "lastName": "N\nx"}}
    )
    assert field_paths(line_break) == {"input.lastName"}
    assert await contact_names(tenant.admin) == []


async def test_a_long_text_keeps_its_line_breaks(tenant: Tenant):
    await with_default_crm(tenant)
    await define_fields(
        tenant,
        {
            "kod": (FieldType.TEXT, [], True, True),
            "notatka": (FieldType.LONG_TEXT, [], False, False),
        },
    )
    note = "Pierwsza linia\n\tdruga\r\ntrzecia"
    base = {"firstName": "Jan", "lastName": "Nowak"}
    created = await send(
        tenant.admin, CREATE_NOTE, {"input": {**base, "custom": {"notatka": note}}}
    )
    assert created.data["createContact"]["custom"]["notatka"] == note
    refused = await send(
        tenant.admin, CREATE_CUSTOM, {"input": {**base, "custom": {"kod": "a\nb"}}}
    )
    assert field_paths(refused) == {"input.custom.kod"}


async def test_a_lone_surrogate_is_a_coded_error_wherever_it_is_sent(
    tenant: Tenant, services: Services, anonymous: GraphQLClient
):
    desk = await call_desk(tenant, services)
    name = await send(tenant.admin, CREATE, {"input": {"firstName": "Jan\ud800", "lastName": "N"}})
    assert field_paths(name) == {"input.firstName"}
    assert "unpaired surrogate (U+D800)" in name.error["message"]
    listed = await send_op(tenant.admin, "Contacts", filter={"lastName": {"in": ["a", "\udfff"]}})
    assert field_paths(listed) == {"filter.lastName.in.1"}
    logged_in = await send_op(anonymous, "Login", email="a\ud800@x.pl", password="x")
    assert field_paths(logged_in) == {"email"}
    call = await send_op(
        desk.telephony,
        "ReportIncomingCall",
        input={"callId": "pbx-\ud800", "from": "600100200", "projectId": desk.project_id},
    )
    assert field_paths(call) == {"input.callId"}
    assert await desk.stored_calls() == []
    assert await contact_names(tenant.admin) == []


async def test_text_is_stored_in_nfc_without_invisible_characters(tenant: Tenant):
    await with_default_crm(tenant)
    created = await send(
        tenant.admin, CREATE, {"input": {"firstName": "Zoe\u0301\u200b", "lastName": "Nowak"}}
    )
    assert created.data["createContact"]["firstName"] == "Zo\u00e9"
    assert await contact_names(tenant.admin) == ["Zo\u00e9"]
    found = await send_op(tenant.admin, "Contacts", filter={"firstName": {"eq": "Zoe\u0301"}})
    assert found.data["contacts"]["totalCount"] == 1


async def test_text_written_in_the_document_must_already_be_normalized(tenant: Tenant):
    await with_default_crm(tenant)
    query = '{ contacts(filter: {firstName: {eq: "Zoe\\u0301"}}) { totalCount } }'
    refused = await tenant.admin.raw(query)
    assert field_paths(refused) == {"filter.firstName.eq"}
    assert refused.error["message"] == NOT_NORMALIZED
    accepted = await tenant.admin.raw(query.replace("Zoe\\u0301", "Zo\\u00e9"))
    assert accepted.data["contacts"]["totalCount"] == 0


async def test_passwords_are_kept_as_sent(tenant: Tenant):
    email = f"zw-{tenant.name.lower()}@example.com"
    password = f"{PASSWORD}\u200b"
    created = await send_op(
        tenant.admin,
        "CreateUser",
        input={"email": email, "password": password, "displayName": "Ann", "roles": ["AGENT"]},
    )
    assert created.data
    assert (await login(tenant.admin, email, password)).token
    without = await tenant.admin.as_(None).op("Login", email=email, password=PASSWORD)
    assert without.error_code == "UNAUTHENTICATED"
