"""Pure rules of custom field definitions (R5): keys, options, which types may be searchable or
unique, what a type change does to stored values, and which changes touch the derived keys.

The functions that look at stored values take one value at a time; :class:`ValueCounter` gathers
what they find, so the caller can stream a company's records in batches.
"""

from collections import Counter
from collections.abc import Hashable, Iterable, Set
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128

from models.contact_keys import encode_value
from models.custom_values import InvalidValue, convert, from_stored
from models.errors import Validator
from models.field_definition import CHOICE_TYPES, FieldDefinition, FieldEntity, FieldType
from models.field_keys import (
    CONTACT_NATIVE_FIELDS,
    ORGANIZATION_NATIVE_FIELDS,
    derive_key,
    validate_key,
)
from models.values import name_key

NATIVE_FIELDS: dict[FieldEntity, frozenset[str]] = {
    FieldEntity.CONTACT: CONTACT_NATIVE_FIELDS,
    FieldEntity.ORGANIZATION: ORGANIZATION_NATIVE_FIELDS,
}

# Custom fields of one entity a company may define: every one is a member of the company's
# generated GraphQL types, rebuilt whenever a definition changes (bench/contacts.py builds 200).
MAX_FIELDS_PER_ENTITY = 200
MAX_OPTIONS = 500
MAX_OPTION_LENGTH = 200
# How many offending values an error names.
SAMPLE_SIZE = 10

# Long texts, multi-value choices and flags are no identity of a record.
UNIQUE_TYPES = frozenset(FieldType) - {FieldType.LONG_TEXT, FieldType.MULTI_SELECT, FieldType.FLAG}
# A searchable value is one index entry holding the whole value: long texts (up to 100,000
# characters) would make index entries far beyond what an index should hold.
SEARCHABLE_TYPES = frozenset(FieldType) - {FieldType.LONG_TEXT}


def taken_keys(entity: FieldEntity, others: Iterable[FieldDefinition]) -> set[str]:
    """What a new key of ``entity`` must not equal: native field names and the other keys."""
    return set(NATIVE_FIELDS[entity]) | {definition.key for definition in others}


def choose_key(v: Validator, name: str, explicit: str | None, taken: Set[str], path: str) -> str:
    """The explicit key when it is valid and free; otherwise the one derived from ``name``."""
    if explicit is None:
        return derive_key(name, taken)
    reason = validate_key(explicit, taken)
    if reason is not None:
        v.add(path, reason)
    return explicit


def name_clash(name: str, others: Iterable[FieldDefinition]) -> FieldDefinition | None:
    """The other definition of the entity with the same name, ignoring case and accents."""
    wanted = name_key(name)
    return next((other for other in others if name_key(other.name) == wanted), None)


def check_options(v: Validator, field_type: FieldType, options: list[str], path: str) -> list[str]:
    """Trimmed options: a non-empty list of distinct options for choice types, none for others."""
    if field_type not in CHOICE_TYPES:
        v.check(not options, path, "Only SELECT and MULTI_SELECT fields have options.")
        return []
    trimmed = [option.strip() for option in options]
    if not v.check(bool(trimmed), path, f"A {field_type} field needs at least one option."):
        return trimmed
    v.check(len(trimmed) <= MAX_OPTIONS, path, f"At most {MAX_OPTIONS} options.")
    for i, option in enumerate(trimmed):
        v.check(bool(option), f"{path}.{i}", "Must not be empty.")
        v.check(
            len(option) <= MAX_OPTION_LENGTH,
            f"{path}.{i}",
            f"At most {MAX_OPTION_LENGTH} characters.",
        )
    repeated = [option for option, count in Counter(trimmed).items() if count > 1 and option]
    v.check(not repeated, path, f"Options must be distinct; repeated: {', '.join(repeated)}.")
    return trimmed


def check_indexing(
    v: Validator,
    field_type: FieldType,
    *,
    searchable: bool,
    unique: bool,
    searchable_path: str,
    unique_path: str,
) -> None:
    if searchable:
        v.check(
            field_type in SEARCHABLE_TYPES,
            searchable_path,
            f"A {field_type} field cannot be searchable.",
        )
    if unique:
        v.check(field_type in UNIQUE_TYPES, unique_path, f"A {field_type} field cannot be unique.")


def _indexed_as(definition: FieldDefinition | None) -> tuple[FieldType, bool, bool] | None:
    """What the derived keys take from a definition: nothing unless it is searchable or unique."""
    if definition is None or not (definition.searchable or definition.unique):
        return None
    return definition.type, definition.searchable, definition.unique


def changes_derived_keys(before: FieldDefinition | None, after: FieldDefinition | None) -> bool:
    """Whether records holding a value of the field need their derived keys rebuilt.

    ``None`` is "no such definition": before a create, after a delete.
    """
    return _indexed_as(before) != _indexed_as(after)


def fails_conversion(stored: Any, source: FieldDefinition, target: FieldDefinition) -> bool:
    try:
        convert(stored, source, target)
    except InvalidValue:
        return True
    return False


def options_used(stored: Any, options: Set[str]) -> list[str]:
    """The members of ``options`` a stored (multi-)choice value holds."""
    items = stored if isinstance(stored, list) else [stored]
    return [item for item in dict.fromkeys(items) if item in options]


def unique_values(stored: Any, source: FieldDefinition, target: FieldDefinition) -> dict[str, Any]:
    """``{encoded: value}`` of a stored value of ``source`` once it is a value of ``target``:
    the encodings its ``uniq`` entries would hold. Empty when it would not convert."""
    try:
        converted = stored if source.type is target.type else convert(stored, source, target)
    except InvalidValue:
        return {}
    value = from_stored(target.type, converted)
    if value is None:
        return {}
    items = value if isinstance(value, list) else [value]
    return {encode_value(target.type, item): item for item in items}


def shown(value: Any) -> Any:
    """A value as an error shows it in JSON: decimals and dates as text."""
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [shown(item) for item in value]
    return value


def _hashable(value: Any) -> Hashable:
    return tuple(_hashable(item) for item in value) if isinstance(value, list) else value


class ValueCounter:
    """Counts values under a grouping key, keeping the first value seen in each group."""

    def __init__(self) -> None:
        self.counts: Counter[Hashable] = Counter()
        self.first: dict[Hashable, Any] = {}

    def add(self, value: Any, group: Hashable | None = None) -> None:
        """``group`` defaults to the value itself (as it is shown)."""
        group = _hashable(shown(value)) if group is None else group
        self.counts[group] += 1
        self.first.setdefault(group, value)

    def most_common(self, limit: int | None = SAMPLE_SIZE, at_least: int = 1) -> list[dict]:
        """``[{value, count}]``, most frequent first, only groups counted ``at_least`` times."""
        frequent = [(g, n) for g, n in self.counts.most_common() if n >= at_least]
        return [{"value": shown(self.first[g]), "count": n} for g, n in frequent[:limit]]
