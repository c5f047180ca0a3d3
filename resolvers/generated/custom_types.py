"""Generates a company's custom-field types from its field definitions.

One small generator per kind of generated type (the output object, the create and update
inputs, the filter, the unique key). Python attribute names are ``c_<key>`` with the GraphQL
name ``<key>``: keys may be Python keywords (``class``, ``from``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.annotation import StrawberryAnnotation

from models.custom_values import from_stored
from models.field_definition import FieldDefinition, FieldEntity, in_r5_order
from resolvers.generated.annotations import optional
from resolvers.generated.filter_inputs import FILTER_FOR_TYPE
from resolvers.generated.scalars import SCALAR_FOR_TYPE

PREFIX = {FieldEntity.CONTACT: "Contact", FieldEntity.ORGANIZATION: "Organization"}
# {key: (annotation, default)} of a generated type.
Fields = dict[str, tuple[StrawberryAnnotation, object]]


def attribute(key: str) -> str:
    return f"c_{key}"


def _make(decorator: Any, name: str, fields: Fields, description: str, **options: Any) -> type:
    """A Strawberry type ``name`` whose fields are ``{key: (annotation, default)}``.

    The class gets a docstring so that dataclasses does not make one from the signature of its
    ``__init__`` (about 4 µs a field).
    """
    namespace: dict[str, Any] = {"__annotations__": {}, "__doc__": description}
    for key, (annotation, default) in fields.items():
        namespace["__annotations__"][attribute(key)] = annotation
        namespace[attribute(key)] = strawberry.field(name=key, default=default)
    return decorator(type(name, (), namespace), name=name, description=description, **options)


def _output_type(prefix: str, definitions: Sequence[FieldDefinition]) -> type | None:
    if not definitions:
        return None
    fields: Fields = {d.key: (optional(SCALAR_FOR_TYPE[d.type]), None) for d in definitions}
    return _make(strawberry.type, f"{prefix}CustomFields", fields, "Custom fields, in R5 order.")


def _input(prefix: str, definitions: Sequence[FieldDefinition]) -> type | None:
    if not definitions:
        return None
    fields: Fields = {d.key: (optional(SCALAR_FOR_TYPE[d.type]), UNSET) for d in definitions}
    return _make(
        strawberry.input,
        f"{prefix}CustomInput",
        fields,
        "Custom values. On create, required fields must have a value; on update, only the "
        "values given change and null clears one.",
    )


def _filter_input(prefix: str, definitions: Sequence[FieldDefinition]) -> type | None:
    searchable = [d for d in definitions if d.searchable]
    if not searchable:
        return None
    fields: Fields = {d.key: (optional(FILTER_FOR_TYPE[d.type]), UNSET) for d in searchable}
    return _make(strawberry.input, f"{prefix}CustomFilter", fields, "Filters on searchable fields.")


def _unique_key(prefix: str, definitions: Sequence[FieldDefinition]) -> type:
    fields: Fields = {"id": (optional(strawberry.ID), UNSET)}
    fields.update(
        {d.key: (optional(SCALAR_FOR_TYPE[d.type]), UNSET) for d in definitions if d.unique}
    )
    return _make(
        strawberry.input,
        f"{prefix}UniqueKey",
        fields,
        "Exactly one of: the id, or the value of a unique field.",
        one_of=True,
    )


@dataclass(frozen=True)
class EntityTypes:
    """The generated types of one entity of one company, and conversions to and from them."""

    definitions: tuple[FieldDefinition, ...]
    custom_output: type | None
    # One input for create and update: required fields are checked by the service, so a missing
    # one answers VALIDATION_FAILED naming it, and the schema holds one type less per entity.
    custom_input: type | None
    custom_filter: type | None
    unique_key: type

    @property
    def by_key(self) -> dict[str, FieldDefinition]:
        return {d.key: d for d in self.definitions}

    def custom_from_stored(self, stored: dict[str, Any]) -> Any:
        if self.custom_output is None:
            return None
        return self.custom_output(
            **{attribute(d.key): from_stored(d.type, stored.get(d.key)) for d in self.definitions}
        )

    def given_values(self, data: Any) -> dict[str, Any]:
        """``{key: value}`` of the members given in a custom input (null included)."""
        if data is None or data is UNSET:
            return {}
        values = {}
        for definition in self.definitions:
            value = getattr(data, attribute(definition.key), UNSET)
            if value is not UNSET:
                values[definition.key] = value
        return values


def generate(entity: FieldEntity, definitions: Sequence[FieldDefinition]) -> EntityTypes:
    ordered = tuple(in_r5_order([d for d in definitions if d.entity == entity]))
    prefix = PREFIX[entity]
    return EntityTypes(
        definitions=ordered,
        custom_output=_output_type(prefix, ordered),
        custom_input=_input(prefix, ordered),
        custom_filter=_filter_input(prefix, ordered),
        unique_key=_unique_key(prefix, ordered),
    )
