"""Compiles a record filter (contacts, organizations) into a MongoDB query on ``sk``.

Every filterable value, native or custom, is an entry of the ``sk`` array
(``<key>\\x1f<encoded value>``), so every operator is a bound on the one ``{crm_id, sk}`` index.
Ranges and prefixes use ``$elemMatch``: without it two different entries of the array could
satisfy the lower and the upper bound.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from strawberry import UNSET

from models.contact_keys import encode_timestamp, encode_value, native_key
from models.errors import ValidationFailed
from models.field_definition import FieldDefinition
from models.sortable import encode_text, entry, prefix_bounds, prefix_range
from resolvers.generated.custom_types import attribute

Encoder = Callable[[Any], str]


@dataclass(frozen=True)
class FilterField:
    """One filterable value: its ``sk`` key and how a filter value is encoded."""

    key: str
    encode: Encoder


def text_field(name: str) -> FilterField:
    return FilterField(native_key(name), encode_text)


def id_field(name: str) -> FilterField:
    return FilterField(native_key(name), str)


def timestamp_field(name: str) -> FilterField:
    def encode(value: datetime) -> str:
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return encode_timestamp(aware.astimezone(UTC))

    return FilterField(native_key(name), encode)


def custom_field(definition: FieldDefinition) -> FilterField:
    return FilterField(definition.key, lambda value: encode_value(definition.type, value))


def custom_fields(definitions: list[FieldDefinition]) -> dict[str, FilterField]:
    return {attribute(d.key): custom_field(d) for d in definitions if d.searchable}


def _given(condition: Any, name: str) -> Any:
    value = getattr(condition, name, UNSET)
    return UNSET if value is None else value


def _any_entry(key: str) -> dict[str, Any]:
    low, high = prefix_range(key, "")
    return {"$elemMatch": {"$gte": low, "$lt": high}}


def _range(field: FilterField, condition: Any) -> dict[str, Any] | None:
    low, high = prefix_range(field.key, "")
    bounds: dict[str, str] = {}
    for name, operator in (("gt", "$gt"), ("gte", "$gte"), ("lt", "$lt"), ("lte", "$lte")):
        value = _given(condition, name)
        if value is not UNSET:
            bounds[operator] = entry(field.key, field.encode(value))
    if not bounds:
        return None
    if "$gt" not in bounds and "$gte" not in bounds:
        bounds["$gte"] = low
    if "$lt" not in bounds and "$lte" not in bounds:
        bounds["$lt"] = high
    return {"sk": {"$elemMatch": bounds}}


def compile_condition(field: FilterField, condition: Any) -> list[dict[str, Any]]:
    """The MongoDB conditions of one field's filter (all must hold)."""

    def one(value: Any) -> str:
        return entry(field.key, field.encode(value))

    clauses: list[dict[str, Any]] = []
    if (value := _given(condition, "eq")) is not UNSET:
        clauses.append({"sk": one(value)})
    if (value := _given(condition, "ne")) is not UNSET:
        clauses.append({"sk": {"$ne": one(value)}})
    if (values := _given(condition, "in_")) is not UNSET:
        clauses.append({"sk": {"$in": [one(v) for v in values]}})
    if (values := _given(condition, "has_any")) is not UNSET:
        clauses.append({"sk": {"$in": [one(v) for v in values]}})
    if (values := _given(condition, "has_all")) is not UNSET and values:
        clauses.append({"sk": {"$all": [one(v) for v in values]}})
    if (prefix := _given(condition, "starts_with")) is not UNSET:
        low, high = prefix_bounds(one(prefix))
        clauses.append({"sk": {"$elemMatch": {"$gte": low, "$lt": high}}})
    if (ranged := _range(field, condition)) is not None:
        clauses.append(ranged)
    if (exists := _given(condition, "exists")) is not UNSET:
        match = _any_entry(field.key)
        clauses.append({"sk": match} if exists else {"sk": {"$not": match}})
    return clauses


def compile_filter(
    filter_: Any, natives: Mapping[str, FilterField], customs: Mapping[str, FilterField]
) -> list[dict[str, Any]]:
    """The conditions of a whole filter object (all must hold); ``and``/``or``/``not`` nest."""
    if filter_ is None or filter_ is UNSET:
        return []
    clauses: list[dict[str, Any]] = []
    for name, field in natives.items():
        condition = getattr(filter_, name, UNSET)
        if condition not in (None, UNSET):
            clauses.extend(compile_condition(field, condition))
    custom = getattr(filter_, "custom", UNSET)
    if custom not in (None, UNSET):
        for name, field in customs.items():
            condition = getattr(custom, name, UNSET)
            if condition not in (None, UNSET):
                clauses.extend(compile_condition(field, condition))
    for part in getattr(filter_, "and_", None) or []:
        clauses.extend(compile_filter(part, natives, customs))
    alternatives = getattr(filter_, "or_", None)
    if alternatives == []:
        raise ValidationFailed.single("filter.or", "Give at least one alternative.")
    if alternatives:
        clauses.append({"$or": [_all(compile_filter(p, natives, customs)) for p in alternatives]})
    negated = getattr(filter_, "not_", UNSET)
    if negated not in (None, UNSET):
        clauses.append({"$nor": [_all(compile_filter(negated, natives, customs))]})
    return clauses


def _all(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
