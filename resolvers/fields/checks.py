"""What a definition change must not break in the values already stored: every value must
convert to a new type, no value may use a removed option, and a field may become unique only
while no two live records of a CRM share a value. Each check streams the field's values and
refuses with VALIDATION_FAILED, naming the offending values and their counts."""

from typing import Any

from beanie import PydanticObjectId

from models.custom_values import from_stored
from models.errors import ValidationFailed
from models.field_definition import FieldDefinition
from models.field_rules import ValueCounter, fails_conversion, options_used, unique_values
from resolvers.fields.records import stored_values


def _refused(path: str, message: str, **details: Any) -> ValidationFailed:
    error = ValidationFailed.single(path, message)
    error.extensions.update(details)
    return error


def _listing(samples: list[dict[str, Any]]) -> str:
    return ", ".join(f"{sample['value']} ({sample['count']})" for sample in samples)


async def check_conversion(
    tenant_id: PydanticObjectId, source: FieldDefinition, target: FieldDefinition, path: str
) -> None:
    """Every stored value, deleted records' too, converts to ``target``'s type and options."""
    failing = ValueCounter()
    async for batch in stored_values(tenant_id, source.entity, source.key):
        for stored in batch:
            if fails_conversion(stored.value, source, target):
                failing.add(from_stored(source.type, stored.value))
    if samples := failing.most_common():
        raise _refused(
            path,
            f"Stored values would not convert to {target.type}: {_listing(samples)}.",
            unconvertible=samples,
        )


async def check_options_unused(
    tenant_id: PydanticObjectId, current: FieldDefinition, target: FieldDefinition, path: str
) -> None:
    """No stored value, deleted records' included, holds an option ``target`` drops."""
    removed = set(current.options) - set(target.options)
    if not removed:
        return
    used = ValueCounter()
    async for batch in stored_values(tenant_id, current.entity, current.key):
        for stored in batch:
            for option in options_used(stored.value, removed):
                used.add(option)
    if samples := used.most_common(limit=None):
        raise _refused(
            path,
            f"Options still in use cannot be removed: {_listing(samples)}.",
            optionsInUse=samples,
        )


async def check_no_duplicates(
    tenant_id: PydanticObjectId, source: FieldDefinition, target: FieldDefinition, path: str
) -> None:
    """No two live records of a CRM hold the same value once stored as ``target`` (text without
    regard to case and surrounding spaces, numbers by value: the encodings of ``uniq``)."""
    values = ValueCounter()
    async for batch in stored_values(tenant_id, source.entity, source.key, live_only=True):
        for stored in batch:
            for encoded, value in unique_values(stored.value, source, target).items():
                values.add(value, group=(stored.crm_id, encoded))
    if samples := values.most_common(at_least=2):
        raise _refused(
            path,
            f"Records of a CRM share values of this field: {_listing(samples)}.",
            duplicates=samples,
        )
