"""Bounds of inputs (resolvers/input_guard.py): long lists in filters and records, filters nested
or grown too far, refused with VALIDATION_FAILED at the path before anything runs."""

import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

from graphql import build_schema as build_sdl
from graphql import parse
from resolvers.input_bounds import (
    DEFAULT_ITEMS,
    DEFAULT_LENGTH,
    MAX_BRANCHES,
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_NESTING,
    MAX_IN_VALUES,
    MAX_INPUT_DEPTH,
    MAX_PHONES,
    MAX_RAW_PHONE_LENGTH,
)
from resolvers.input_guard import InputRules
from tests.client import GraphQLClient, field_paths
from tests.conftest import Tenant
from tests.records import with_default_crm


async def contact_count(admin: GraphQLClient) -> int:
    return (await admin.op("Contacts", first=1)).data["contacts"]["totalCount"]


async def listed(admin: GraphQLClient, filter_: dict[str, Any]):
    return await admin.op("Contacts", filter=filter_, first=1)


def nested(levels: int, combinator: str = "and") -> dict[str, Any]:
    """A filter with ``levels`` and/or/not levels around one condition."""
    filter_: dict[str, Any] = {"firstName": {"eq": "x"}}
    for _ in range(levels):
        filter_ = {"not": filter_} if combinator == "not" else {combinator: [filter_]}
    return filter_


def nested_path(levels: int, combinator: str = "and") -> str:
    step = "not" if combinator == "not" else f"{combinator}.0"
    return ".".join(["filter", *[step] * (levels - 1), combinator])


async def test_an_in_list_of_ten_thousand_values_is_refused_at_its_path(tenant: Tenant):
    await with_default_crm(tenant)
    values = [f"name{i}" for i in range(10_000)]
    refused = await listed(tenant.admin, {"firstName": {"in": values}})
    assert field_paths(refused) == {"filter.firstName.in"}
    assert refused.error["extensions"]["fieldErrors"][0]["message"] == (
        f"At most {MAX_IN_VALUES} items."
    )
    at_bound = await listed(tenant.admin, {"firstName": {"in": values[:MAX_IN_VALUES]}})
    assert at_bound.data["contacts"]["totalCount"] == 0


async def test_every_kind_of_in_list_is_bounded(tenant: Tenant):
    await with_default_crm(tenant)
    over = MAX_IN_VALUES + 1
    filter_ = {
        "lastName": {"in": ["x"] * over},
        "stageId": {"in": ["0123456789abcdef01234567"] * over},
        "tags": {"hasAny": ["x"] * over, "hasAll": ["x"] * over},
    }
    assert field_paths(await listed(tenant.admin, filter_)) == {
        "filter.lastName.in",
        "filter.stageId.in",
        "filter.tags.hasAny",
        "filter.tags.hasAll",
    }


async def test_and_or_take_a_bounded_number_of_branches_at_any_level(tenant: Tenant):
    await with_default_crm(tenant)
    branch = {"firstName": {"eq": "x"}}
    too_many = [branch] * (MAX_BRANCHES + 1)
    assert field_paths(await listed(tenant.admin, {"or": too_many})) == {"filter.or"}
    inner = {"or": [branch, branch, {"and": too_many}]}
    assert field_paths(await listed(tenant.admin, inner)) == {"filter.or.2.and"}
    at_bound = {"or": [branch] * MAX_BRANCHES, "and": [branch] * MAX_BRANCHES}
    assert (await listed(tenant.admin, at_bound)).data["contacts"]["totalCount"] == 0


@pytest.mark.parametrize("combinator", ["and", "or", "not"])
async def test_filters_nest_a_bounded_number_of_levels(tenant: Tenant, combinator: str):
    await with_default_crm(tenant)
    deep = await listed(tenant.admin, nested(MAX_FILTER_NESTING + 1, combinator))
    assert field_paths(deep) == {nested_path(MAX_FILTER_NESTING + 1, combinator)}
    very_deep = await listed(tenant.admin, nested(30, combinator))
    assert field_paths(very_deep) == {nested_path(MAX_FILTER_NESTING + 1, combinator)}
    at_bound = await listed(tenant.admin, nested(MAX_FILTER_NESTING, combinator))
    assert at_bound.data["contacts"]["totalCount"] == 0


async def test_a_filter_holds_a_bounded_number_of_conditions(tenant: Tenant):
    await with_default_crm(tenant)
    # 12 conditions a branch.
    branch = {
        name: {"eq": "x", "ne": "y", "startsWith": "z"}
        for name in ("firstName", "lastName", "email", "city")
    }
    per_branch = 12
    branches = MAX_FILTER_CONDITIONS // per_branch
    fits = {"or": [branch] * branches}
    assert (await listed(tenant.admin, fits)).data["contacts"]["totalCount"] == 0
    grown = {"or": [branch] * branches, "and": [branch]}
    refused = await listed(tenant.admin, grown)
    assert field_paths(refused) == {"filter"}
    assert refused.error["message"] == f"At most {MAX_FILTER_CONDITIONS} conditions in a filter."


async def test_filter_literals_in_the_document_are_bounded_too(tenant: Tenant):
    await with_default_crm(tenant)
    values = ", ".join(f'"v{i}"' for i in range(MAX_IN_VALUES + 1))
    query = f"{{ contacts(filter: {{or: [{{firstName: {{in: [{values}]}}}}]}}) {{ totalCount }} }}"
    assert field_paths(await tenant.admin.raw(query)) == {"filter.or.0.firstName.in"}


async def test_too_many_phones_are_refused_and_nothing_is_stored(tenant: Tenant):
    await with_default_crm(tenant)
    phones = [{"number": f"+48 600 000 {i:03d}"} for i in range(MAX_PHONES + 1)]
    refused = await tenant.admin.op(
        "CreateContact", input={"firstName": "Jan", "lastName": "Nowak", "phones": phones}
    )
    assert field_paths(refused) == {"input.phones"}
    assert await contact_count(tenant.admin) == 0
    created = await tenant.admin.op(
        "CreateContact",
        input={"firstName": "Jan", "lastName": "Nowak", "phones": phones[:MAX_PHONES]},
    )
    assert len(created.data["createContact"]["phones"]) == MAX_PHONES


async def test_every_bad_value_is_listed_in_one_error(tenant: Tenant):
    await with_default_crm(tenant)
    refused = await tenant.admin.op(
        "CreateContact",
        input={
            "firstName": "J" * (DEFAULT_LENGTH + 1),
            "lastName": "Nowak\x00",
            "phones": [
                {"number": "1" * (MAX_RAW_PHONE_LENGTH + 1)},
                {"number": "600 000 000", "label": "praca\x1b"},
            ],
        },
    )
    assert field_paths(refused) == {
        "input.firstName",
        "input.lastName",
        "input.phones.0.number",
        "input.phones.1.label",
    }
    assert await contact_count(tenant.admin) == 0


RECURSIVE = build_sdl("""
    input Node { child: Node, name: String }
    type Query { tree(node: Node): Int }
""")


def test_values_nested_deeper_than_any_input_needs_are_refused_without_recursing():
    node: dict[str, Any] = {"name": "leaf"}
    for _ in range(5_000):
        node = {"child": node}
    document = parse("query($n: Node) { tree(node: $n) }")
    errors = InputRules({}).errors(RECURSIVE, document, None, {"n": node})
    assert [e.path for e in errors] == [".".join(["node", *["child"] * MAX_INPUT_DEPTH])]


async def test_a_subscription_over_a_websocket_is_bounded_too(live_server, tenant: Tenant):
    query = "subscription($ids: [ID!]) { incomingCalls(projectIds: $ids) { callId } }"
    variables = {"ids": ["0123456789abcdef01234567"] * (DEFAULT_ITEMS + 1)}
    async with connect(live_server.ws_url, subprotocols=["graphql-transport-ws"]) as socket:
        init = {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {tenant.admin.token}"},
        }
        await socket.send(json.dumps(init))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        payload = {"query": query, "variables": variables}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = json.loads(await socket.recv())
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "VALIDATION_FAILED"
    assert errors[0]["extensions"]["field"] == "projectIds"
