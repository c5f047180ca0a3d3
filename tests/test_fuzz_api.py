"""Property-based: generated garbage sent to every root field's arguments and to the REST routes,
with an admin's token and anonymously, never gets HTTP 500 nor an error without a code (issue 11,
item 14).

Operations are built from the schema's introspection: for each Query and Mutation root field, one
operation taking every argument as a variable of the argument's type. Variables are either shaped
like the type (input objects with some of their fields, lists, enum values) with odd leaves, or
any JSON at all. Deterministic (``derandomize``), a few examples per root field.
"""

import json
from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from graphql import (
    GraphQLInputType,
    GraphQLSchema,
    build_client_schema,
    get_named_type,
    is_composite_type,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
)
from resolvers.schema import build_schema
from tests.calls import telephony_token
from tests.client import NO_SUCH_ID
from tests.conftest import Tenant
from tests.records import CUSTOM_CONTACT_FIELDS, define_fields, with_default_crm
from tests.test_contact_filters import module_tenant

SCHEMA: GraphQLSchema = build_client_schema(build_schema().introspect())
ROOTS = [
    (kind, name)
    for kind, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type))
    if root is not None
    for name in root.fields
]

ODD_STRINGS = [
    "",
    " ",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    "1e-999999",
    "-0",
    "9" * 40,
    "\u200b",
    "N-A-0\u200b",
    "\ud800",
    "a\x00b",
    "\u202etxt.exe",
    "😀" * 5,
    "$where",
    '{"$gt": ""}',
    "{$regex: '.*'}",
    NO_SUCH_ID,
    "ffffffffffffffffffffffff",
    "../../etc/passwd",
    "x" * 300,
    "2024-02-30",
    "+48 500 000 001",
    "null",
]
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=20),
)
# Leaves of the type a scalar takes (odd values of it), so that more requests reach the resolvers.
SCALARS = {
    "Int": st.integers(min_value=-5, max_value=300) | st.sampled_from([2**31 - 1, -(2**31)]),
    "Float": st.floats(allow_nan=False, allow_infinity=False),
    "Boolean": st.booleans(),
    "ID": st.sampled_from([NO_SUCH_ID, "ffffffffffffffffffffffff", "x", "", '{"$gt": ""}']),
    "Decimal": st.sampled_from(["1.5", "-0", "1e6111", "1e-6176", "9" * 34, "1e999999", "NaN"]),
    "DateTime": st.sampled_from(["2024-01-01T00:00:00Z", "2024-02-30T00:00:00", "9999-12-31"]),
    "Date": st.sampled_from(["2024-01-01", "2024-02-30", "0001-01-01", "99999-01-01"]),
    "Upload": st.sampled_from(["", "a.csv", 0]),  # in JSON: never a file part
}
ANY_JSON = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@cache
def shaped(type_: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values shaped like ``type_`` down to its leaves, which are odd; now and then anything."""
    if is_non_null_type(type_):
        return shaped(type_.of_type, depth)
    if is_list_type(type_):
        return st.lists(shaped(type_.of_type, depth + 1), max_size=3)
    if is_enum_type(type_):
        return st.sampled_from(list(type_.values)) | LEAVES
    if is_input_object_type(type_):
        if depth > 3:
            return st.just({})
        fields = type_.fields.items()
        return members({name: (f.type, shaped(f.type, depth + 1)) for name, f in fields})
    typed = SCALARS.get(type_.name, st.text(max_size=20) | st.sampled_from(ODD_STRINGS))
    return st.one_of(typed, typed, typed, LEAVES)


def members(typed: dict[str, tuple[GraphQLInputType, st.SearchStrategy[Any]]]) -> Any:
    """An object with every required member (they are what gets past coercion), some others."""
    return st.fixed_dictionaries(
        {name: values for name, (type_, values) in typed.items() if is_non_null_type(type_)},
        optional={
            name: values for name, (type_, values) in typed.items() if not is_non_null_type(type_)
        },
    )


def variables_for(kind: str, name: str) -> st.SearchStrategy[dict[str, Any]]:
    args = _root(kind).fields[name].args
    return members(
        {
            arg: (a.type, st.one_of(shaped(a.type), shaped(a.type), shaped(a.type), ANY_JSON))
            for arg, a in args.items()
        }
    )


def _root(kind: str) -> Any:
    return SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type


def operation(kind: str, name: str) -> str:
    field = _root(kind).fields[name]
    declared = ", ".join(f"${arg}: {a.type}" for arg, a in field.args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
    return (
        f"{kind} Fuzz{f'({declared})' if declared else ''} "
        f"{{ {name}{f'({passed})' if passed else ''}{selection} }}"
    )


def assert_coded(response: httpx.Response) -> None:
    """No 500; an error status or an error in the body always carries a code, never INTERNAL."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if not response.headers.get("content-type", "").startswith("application/json"):
        assert response.status_code < 400, (response.status_code, response.text[:500])
        return
    body = response.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    assert response.status_code < 400 or errors, (response.status_code, body)
    for error in errors or []:
        code = (error.get("extensions") or {}).get("code")
        assert code not in (None, "INTERNAL_SERVER_ERROR"), error


def headers(token: str | None, content_type: str = "application/json") -> dict[str, str]:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return {**auth, "Content-Type": content_type}


FUZZ_SETTINGS = hypothesis_settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest_asyncio.fixture(scope="module")
async def company(http, services) -> Tenant:
    tenant = await module_tenant(http, services, "Fuzz")
    await with_default_crm(tenant)
    await define_fields(tenant, CUSTOM_CONTACT_FIELDS)
    return tenant


@pytest.mark.parametrize(("kind", "name"), ROOTS, ids=[f"{k}.{n}" for k, n in ROOTS])
@FUZZ_SETTINGS
@given(drawn=st.data())
async def test_garbage_arguments_get_coded_errors(http, company, kind, name, drawn):
    variables = drawn.draw(variables_for(kind, name), label="variables")
    token = drawn.draw(st.sampled_from([company.admin.token, None]), label="token")
    payload = {"query": operation(kind, name), "variables": variables}
    response = await http.post("/graphql", content=json.dumps(payload), headers=headers(token))
    assert_coded(response)


EVENT_MEMBERS = ["type", "callId", "from", "to", "projectId", "agentId", "cause"]


@FUZZ_SETTINGS
@given(drawn=st.data())
async def test_garbage_telephony_events_get_coded_errors(http, company, services, drawn):
    shaped_event = st.fixed_dictionaries(
        {"type": st.sampled_from(["INCOMING", "ANSWERED", "ENDED"]) | LEAVES},
        optional={member: LEAVES for member in EVENT_MEMBERS[1:]},
    )
    event = drawn.draw(shaped_event | ANY_JSON, label="event")
    token = drawn.draw(
        st.sampled_from([telephony_token(services, company), company.admin.token, None])
    )
    response = await http.post(
        "/telephony/events", content=json.dumps(event), headers=headers(token)
    )
    assert_coded(response)


@FUZZ_SETTINGS
@given(drawn=st.data())
async def test_odd_download_ids_get_coded_errors(http, company, drawn):
    job_id = drawn.draw(st.sampled_from(ODD_STRINGS) | st.text(min_size=1, max_size=30))
    token = drawn.draw(st.sampled_from([company.admin.token, None]))
    raw = job_id.encode("utf-8", "surrogatepass")  # a lone surrogate: bytes that are not UTF-8
    for path in (f"/imports/{quote(raw, safe='')}/errors.csv", f"/exports/{quote(raw)}"):
        assert_coded(await http.get(path, headers=headers(token)))


@FUZZ_SETTINGS
@given(drawn=st.data())
async def test_raw_garbage_bodies_to_graphql_get_coded_errors(http, company, drawn):
    body = drawn.draw(
        st.binary(max_size=200) | ANY_JSON.map(lambda value: json.dumps(value).encode()),
        label="body",
    )
    content_type = drawn.draw(
        st.sampled_from(["application/json", "multipart/form-data; boundary=x", "text/plain"])
    )
    token = drawn.draw(st.sampled_from([company.admin.token, None]))
    assert_coded(await http.post("/graphql", content=body, headers=headers(token, content_type)))
