"""Every string and list of every input is bounded (resolvers/input_bounds.py), tested over the
schema: for each root field of Query and Mutation, a minimal operation declaring its arguments,
and for each string or list reachable in them (each input type once a path), one value just over
its bound, refused with VALIDATION_FAILED naming exactly that path, and one at its bound, which
the guard lets through (the operation may still fail further on, e.g. on a missing argument).

The company has a custom field of every kind, so its generated inputs are covered too.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    is_leaf_type,
)
from models.company import Company
from models.field_definition import FieldDefinition, FieldType
from resolvers.input_bounds import DEFAULT, Bound, input_bounds
from resolvers.schema import build_schema
from tests.client import GraphQLClient, Result
from tests.conftest import Tenant
from tests.records import define_fields, with_default_crm

# Scalars whose values are not text.
NOT_TEXT = {"Int", "Float", "Boolean", "Upload"}
# Input types are followed this many levels below an argument.
MAX_LEVELS = 6
CUSTOM_FIELDS = {
    f"pole{kind.value.title().replace('_', '')}": (kind, ["A", "B"], True, True)
    for kind in FieldType
}
# Only some kinds may be unique; the others are plain.
UNIQUE_KINDS = {FieldType.TEXT, FieldType.URL, FieldType.SELECT, FieldType.INTEGER}


@dataclass(frozen=True)
class Place:
    """One string or list: its path from the argument, and its bound."""

    root: str
    field: str
    path: tuple[str | int, ...]
    bound: Bound
    is_list: bool
    element: GraphQLInputType | None = None

    @property
    def dotted(self) -> str:
        return ".".join(str(part) for part in self.path)

    def limit(self) -> int:
        return self.bound.items if self.is_list else self.bound.length


def _unwrap(graphql_type: Any) -> Any:
    return graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type


def _places(
    root: str,
    field: str,
    path: tuple[str | int, ...],
    graphql_type: Any,
    bound: Bound,
    bounds: dict[str, Bound],
    seen: tuple[str, ...],
) -> Iterator[Place]:
    graphql_type = _unwrap(graphql_type)
    if isinstance(graphql_type, GraphQLList):
        yield Place(root, field, path, bound, True, _unwrap(graphql_type.of_type))
        yield from _places(root, field, (*path, 0), graphql_type.of_type, bound, bounds, seen)
    elif isinstance(graphql_type, GraphQLInputObjectType):
        if graphql_type.name in seen or len(path) > MAX_LEVELS:
            return
        for name, member in graphql_type.fields.items():
            assert isinstance(member, GraphQLInputField)
            place = bounds.get(f"{graphql_type.name}.{name}", DEFAULT)
            yield from _places(
                root, field, (*path, name), member.type, place, bounds, (*seen, graphql_type.name)
            )
    elif is_leaf_type(graphql_type) and graphql_type.name not in NOT_TEXT:
        yield Place(root, field, path, bound, False)


def every_place(schema: GraphQLSchema, bounds: dict[str, Bound]) -> list[Place]:
    places = []
    for root_type in (schema.query_type, schema.mutation_type):
        assert root_type is not None
        for field_name, field in root_type.fields.items():
            for name, argument in field.args.items():
                assert isinstance(argument, GraphQLArgument)
                bound = bounds.get(f"{root_type.name}.{field_name}.{name}", DEFAULT)
                places.extend(
                    _places(
                        root_type.name,
                        field_name,
                        (name,),
                        argument.type,
                        bound,
                        bounds,
                        frozenset(),
                    )
                )
    return places


def operation(schema: GraphQLSchema, place: Place) -> str:
    root = schema.get_type(place.root)
    assert isinstance(root, GraphQLObjectType)
    field = root.fields[place.field]
    declared = ", ".join(f"${name}: {argument.type}" for name, argument in field.args.items())
    passed = ", ".join(f"{name}: ${name}" for name in field.args)
    returned = _unwrap(field.type)
    while isinstance(returned, GraphQLList | GraphQLNonNull):
        returned = returned.of_type
    selection = "" if is_leaf_type(returned) else " { __typename }"
    kind = "query" if place.root == "Query" else "mutation"
    return f"{kind}({declared}) {{ {place.field}({passed}){selection} }}"


def _element(graphql_type: Any) -> Any:
    """A value of the type that the guard lets through."""
    if isinstance(graphql_type, GraphQLInputObjectType):
        return {}
    if isinstance(graphql_type, GraphQLEnumType):
        return next(iter(graphql_type.values))
    if isinstance(graphql_type, GraphQLScalarType):
        return {"Int": 1, "Float": 1.0, "Boolean": True}.get(graphql_type.name, "1")
    return None


def variables(place: Place, size: int) -> dict[str, Any]:
    """The variables that carry a value of ``size`` (characters or items) at the place."""
    value: Any = [_element(place.element)] * size if place.is_list else "x" * size
    for part in reversed(place.path[1:]):
        value = [value] if isinstance(part, int) else {part: value}
    return {place.path[0]: value}


def guard_refused(result: Result, place: Place) -> bool:
    """Whether the guard refused the value at the place for its bound."""
    if not result.errors or result.error["extensions"].get("code") != "VALIDATION_FAILED":
        return False
    unit = "items" if place.is_list else "characters"
    expected = {"field": place.dotted, "message": f"At most {place.limit()} {unit}."}
    return expected in result.error["extensions"]["fieldErrors"]


async def stored(tenant: Tenant) -> dict[str, Any]:
    """The company's document and how many documents of it each collection holds."""
    company = Company.get_pymongo_collection()
    database = company.database
    tenant_id = PydanticObjectId(tenant.id)
    counts: dict[str, Any] = {"company": await company.find_one({"_id": tenant_id})}
    for name in await database.list_collection_names():
        counts[name] = await database[name].count_documents({"tenant_id": tenant_id})
    return counts


async def company_schema(tenant: Tenant) -> tuple[GraphQLSchema, dict[str, Bound]]:
    """The schema the service builds for the company, and its bounds."""
    definitions = await FieldDefinition.find({"tenant_id": PydanticObjectId(tenant.id)}).to_list()
    return build_schema(definitions)._schema, input_bounds(definitions)


async def test_every_string_and_list_of_every_input_is_bounded(tenant: Tenant):
    await with_default_crm(tenant)
    await define_fields(
        tenant,
        {
            key: (kind, options, searchable, unique and kind in UNIQUE_KINDS)
            for key, (kind, options, searchable, unique) in CUSTOM_FIELDS.items()
        },
    )
    schema, bounds = await company_schema(tenant)
    places = every_place(schema, bounds)
    assert {p.dotted for p in places} >= {
        "input.phones",
        "input.phones.0.number",
        "input.emails.0",
        "input.custom.poleLongText",
        "input.custom.poleMultiSelect.0",
        "by.poleText",
        "filter.custom.poleText.in.0",
        "filter.or",
        "email",
    }
    admin: GraphQLClient = tenant.admin
    before = await stored(tenant)
    not_refused = []
    for place in places:
        over = await admin.raw(operation(schema, place), variables(place, place.limit() + 1))
        extensions = over.errors[0].get("extensions", {}) if over.errors else {}
        paths = [e["field"] for e in extensions.get("fieldErrors", [])]
        if extensions.get("code") != "VALIDATION_FAILED" or paths != [place.dotted]:
            not_refused.append((place.dotted, place.field, over.body))
    assert not_refused == []
    assert await stored(tenant) == before
    refused_at_bound = []
    for place in places:
        at = await admin.raw(operation(schema, place), variables(place, place.limit()))
        if at.status != 200 or guard_refused(at, place):
            refused_at_bound.append((place.dotted, place.field, at.body))
    assert refused_at_bound == []
