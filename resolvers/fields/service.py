"""Creating, changing and deleting custom field definitions (R5).

A change is checked in full before anything is written: the input first, then the values already
stored that it must not break (:mod:`resolvers.fields.checks`). Then the definition is written,
the company's ``fields_version`` bumped, and the stored records brought in line: values converted
or removed, derived keys rebuilt.
"""

from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError

from models.errors import Conflict, NotFound, Validator
from models.field_definition import CHOICE_TYPES, FieldDefinition, FieldType
from models.field_rules import (
    MAX_FIELDS_PER_ENTITY,
    changes_derived_keys,
    check_indexing,
    check_options,
    choose_key,
    name_clash,
    taken_keys,
)
from models.timestamps import utcnow
from models.values import check_name
from resolvers.common.company_lock import under_company_lock
from resolvers.common.inputs import given, refuse_nulls
from resolvers.fields.checks import check_conversion, check_no_duplicates, check_options_unused
from resolvers.fields.definitions import definitions_of, get_definition
from resolvers.fields.inputs import CreateFieldDefinitionInput, UpdateFieldDefinitionInput
from resolvers.fields.rebuild import rebuild_derived_keys
from resolvers.fields.values import convert_values, remove_values
from resolvers.fields.version import bump_fields_version
from resolvers.segmentation.references import (
    check_field_change,
    recompute_after_field_change,
    refuse_if_field_classified,
)

EDITABLE = ("name", "type", "options", "position", "searchable", "unique", "required")
NOT_NULL = ("name", "type", "searchable", "unique", "required")
DUPLICATE_KEY = 11000


def _path(prefix: str | None, name: str) -> str:
    """Errors of an update name ``input.<field>``; those of the list-view toggles, which take
    the flag as an argument of its own, name just the argument."""
    return f"{prefix}.{name}" if prefix else name


def _flag_path(prefix: str | None, data: UpdateFieldDefinitionInput, flag: str) -> str:
    """A flag that no longer fits is the type's fault, unless the flag itself was given."""
    return _path(prefix, flag if given(getattr(data, flag)) else "type")


def _refuse_name_clash(name: str, others: list[FieldDefinition]) -> None:
    clash = name_clash(name, others)
    if clash is not None:
        raise Conflict("A field with this name already exists.", field="name", existing_id=clash.id)


async def _key_taken(definition: FieldDefinition) -> Conflict:
    """The CONFLICT of a key another definition took meanwhile (the unique index refused it)."""
    holder = await FieldDefinition.find_one(
        {"tenant_id": definition.tenant_id, "entity": definition.entity, "key": definition.key}
    )
    return Conflict(
        "A field with this key already exists.",
        field="key",
        existing_id=holder.id if holder is not None else None,
    )


async def create_definition(
    tenant_id: PydanticObjectId, data: CreateFieldDefinitionInput
) -> FieldDefinition:
    """No record holds a value of the new key (values go with their definition), so there is
    nothing to rebuild. The cap and the names are checked against the definitions read under
    the company's lock, so concurrent creates cannot both take the last place."""

    async def create(session: AsyncClientSession) -> FieldDefinition:
        others = await definitions_of(tenant_id, data.entity, session)
        definition = _new_definition(tenant_id, data, others)
        try:
            await definition.insert(session=session)
        except DuplicateKeyError as error:
            raise await _key_taken(definition) from error
        await bump_fields_version(tenant_id, session)
        return definition

    return await under_company_lock(tenant_id, create)


def _new_definition(
    tenant_id: PydanticObjectId, data: CreateFieldDefinitionInput, others: list[FieldDefinition]
) -> FieldDefinition:
    """The definition ``data`` asks for, refused unless it fits beside ``others``."""
    v = Validator()
    name = check_name(v, data.name, "input.name")
    v.check(
        len(others) < MAX_FIELDS_PER_ENTITY,
        "input.entity",
        f"A company has at most {MAX_FIELDS_PER_ENTITY} custom fields of each entity; "
        "delete one first.",
    )
    key = choose_key(v, name, data.key, taken_keys(data.entity, others), "input.key")
    options = check_options(v, data.type, data.options or [], "input.options")
    check_indexing(
        v,
        data.type,
        searchable=data.searchable,
        unique=data.unique,
        searchable_path="input.searchable",
        unique_path="input.unique",
    )
    v.raise_if_any()
    _refuse_name_clash(name, others)
    return FieldDefinition(
        tenant_id=tenant_id,
        entity=data.entity,
        name=name,
        key=key,
        type=data.type,
        options=options,
        position=data.position,
        searchable=data.searchable,
        unique=data.unique,
        required=data.required,
    )


def _options(
    current: FieldDefinition, data: UpdateFieldDefinitionInput, field_type: FieldType
) -> list[str]:
    """The options given (null: none); otherwise the current ones while the type is a choice."""
    if given(data.options):
        return data.options or []
    return current.options if field_type in CHOICE_TYPES else []


def _target(
    current: FieldDefinition, data: UpdateFieldDefinitionInput, prefix: str | None
) -> FieldDefinition:
    """``current`` as ``data`` changes it, once the input is valid."""
    v = Validator()
    refuse_nulls(v, data, NOT_NULL, prefix or "")
    v.raise_if_any()
    name = check_name(v, data.name, _path(prefix, "name")) if given(data.name) else current.name
    field_type = data.type if given(data.type) else current.type
    options = check_options(
        v, field_type, _options(current, data, field_type), _path(prefix, "options")
    )
    flags = {
        flag: getattr(data, flag) if given(getattr(data, flag)) else getattr(current, flag)
        for flag in ("searchable", "unique", "required")
    }
    check_indexing(
        v,
        field_type,
        searchable=flags["searchable"],
        unique=flags["unique"],
        searchable_path=_flag_path(prefix, data, "searchable"),
        unique_path=_flag_path(prefix, data, "unique"),
    )
    v.raise_if_any()
    position = data.position if given(data.position) else current.position
    return current.model_copy(
        update={"name": name, "type": field_type, "options": options, "position": position, **flags}
    )


async def _check_stored_values(
    tenant_id: PydanticObjectId,
    current: FieldDefinition,
    target: FieldDefinition,
    data: UpdateFieldDefinitionInput,
    prefix: str | None,
) -> None:
    retyped = target.type is not current.type
    if retyped:
        await check_conversion(tenant_id, current, target, _path(prefix, "type"))
    elif target.type in CHOICE_TYPES:
        await check_options_unused(tenant_id, current, target, _path(prefix, "options"))
    if target.unique and (retyped or not current.unique):
        await check_no_duplicates(tenant_id, current, target, _flag_path(prefix, data, "unique"))


async def _write(
    tenant_id: PydanticObjectId, definition_id: PydanticObjectId, changes: dict[str, Any]
) -> FieldDefinition:
    row = await FieldDefinition.get_pymongo_collection().find_one_and_update(
        {"tenant_id": tenant_id, "_id": definition_id},
        {"$set": {**changes, "updated_at": utcnow()}},
        return_document=ReturnDocument.AFTER,
    )
    if row is None:  # deleted meanwhile
        raise NotFound("FieldDefinition", definition_id)
    return FieldDefinition.model_validate(row)


def _is_duplicate(error: BulkWriteError) -> bool:
    return any(e.get("code") == DUPLICATE_KEY for e in error.details.get("writeErrors", []))


async def _withdraw_unique(
    tenant_id: PydanticObjectId, source: FieldDefinition, target: FieldDefinition, path: str
) -> None:
    """A duplicate stored after the check (a concurrent write) made the unique index refuse
    records during the rebuild: the field stops being unique, and the duplicates are reported.

    Only ``unique`` is withdrawn: other changes of the same update (a type change, whose values
    are already converted) stay.
    """
    assert target.id is not None
    withdrawn = await _write(tenant_id, target.id, {"unique": False})
    await bump_fields_version(tenant_id)
    await rebuild_derived_keys(tenant_id, withdrawn.entity, holding=withdrawn.key)
    await check_no_duplicates(tenant_id, source, target, path)
    raise Conflict(
        "Another change stored a duplicate value meanwhile; the field was left not unique.",
        field="unique",
    )


async def _bring_records_in_line(
    tenant_id: PydanticObjectId,
    before: FieldDefinition,
    after: FieldDefinition,
    unique_path: str,
) -> None:
    if after.type is not before.type:
        await convert_values(tenant_id, before, after)
    if not changes_derived_keys(before, after):
        return
    try:
        await rebuild_derived_keys(tenant_id, after.entity, holding=after.key)
    except BulkWriteError as error:
        if not (after.unique and _is_duplicate(error)):
            raise
        await _withdraw_unique(tenant_id, before, after, unique_path)


async def update_definition(
    tenant_id: PydanticObjectId,
    definition_id: PydanticObjectId,
    data: UpdateFieldDefinitionInput,
    prefix: str | None = "input",
) -> FieldDefinition:
    """Changes only the fields ``data`` gives; ``prefix`` is the path of ``data`` in errors."""
    current = await get_definition(tenant_id, definition_id)
    target = _target(current, data, prefix)
    changes = {
        name: value
        for name, value in target.model_dump(mode="json", include=set(EDITABLE)).items()
        if getattr(target, name) != getattr(current, name)
    }
    if not changes:
        return current
    if "name" in changes:
        others = await definitions_of(tenant_id, current.entity)
        _refuse_name_clash(target.name, [d for d in others if d.id != current.id])
    await _check_stored_values(tenant_id, current, target, data, prefix)
    await check_field_change(tenant_id, current, target, prefix)
    updated = await _write(tenant_id, definition_id, changes)
    await bump_fields_version(tenant_id)
    await _bring_records_in_line(tenant_id, current, updated, _flag_path(prefix, data, "unique"))
    await recompute_after_field_change(tenant_id, current, updated)
    return updated


async def delete_definition(
    tenant_id: PydanticObjectId, definition_id: PydanticObjectId
) -> FieldDefinition:
    """Deletes the definition with its values and returns it as it was."""
    await refuse_if_field_classified(tenant_id, definition_id)
    row = await FieldDefinition.get_pymongo_collection().find_one_and_delete(
        {"tenant_id": tenant_id, "_id": definition_id}
    )
    if row is None:
        raise NotFound("FieldDefinition", definition_id)
    definition = FieldDefinition.model_validate(row)
    await bump_fields_version(tenant_id)
    # The rebuild reads the remaining definitions, so the records' keys lose the field's
    # entries; the values go afterwards, since the rebuild finds the records by them.
    if changes_derived_keys(definition, None):
        await rebuild_derived_keys(tenant_id, definition.entity, holding=definition.key)
    await remove_values(tenant_id, definition)
    return definition
