"""The schema's descriptions are read by the service's users (GraphiQL's docs, generated clients):
they name no requirement numbers (R8.3) nor the service's files, which belong in code comments
and the project's docs (issue 12, item 12)."""

import re
from collections.abc import Iterator

import pytest

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)
from resolvers.schema import build_schema

REQUIREMENT = re.compile(r"\bR\d+(\.\d+)*\b")
FILE_PATH = re.compile(r"\b[\w.-]+\.(py|md|graphql)\b|\b(app|models|resolvers|tests|bench)/\w")
INTERNAL = (REQUIREMENT, FILE_PATH, re.compile(r"\bDESIGN\b|\bissue \d", re.IGNORECASE))


def descriptions() -> Iterator[tuple[str, str]]:
    """Every description of the base schema, with where it is: ``Type``, ``Type.field``,
    ``Type.field(arg)``, ``Enum.VALUE``."""
    schema = build_schema()._schema
    for name, kind in schema.type_map.items():
        if name.startswith("__"):
            continue
        yield name, kind.description or ""
        if isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                yield f"{name}.{value_name}", value.description or ""
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                yield f"{name}.{field_name}", field.description or ""
                for arg_name, arg in getattr(field, "args", {}).items():
                    yield f"{name}.{field_name}({arg_name})", arg.description or ""


def internal_references(text: str) -> list[str]:
    return [match.group(0) for pattern in INTERNAL for match in pattern.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "R8.3: a contact's segment.",
        "Stages in R5 order.",
        "See resolvers/contacts/list.py.",
        "As DESIGN.md says.",
        "Fixed in issue 12.",
    ],
)
def test_the_check_finds_internal_references(text):
    assert internal_references(text)


@pytest.mark.parametrize("text", ["#RRGGBB.", "Zammad's CTI events.", "E.164 (+48500000001)."])
def test_the_check_lets_user_texts_pass(text):
    assert not internal_references(text)


def test_no_description_names_a_requirement_or_a_file():
    found = {place: refs for place, text in descriptions() if (refs := internal_references(text))}
    assert not found, found


def test_a_segment_definitions_to_says_what_the_service_does_when_omitted():
    """The last definition must end at 100 (the service refuses another end), and an omitted
    ``to`` is ``from`` + 15, not 100."""
    text = dict(descriptions())["SegmentDefinitionInput.to"]
    assert "15" in text
    assert "ends at 100" not in text
    assert "must end at 100" in text
