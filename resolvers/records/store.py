"""Writes and reads of records (contacts, organizations) common to both kinds: the company and
CRM scope, derived keys recomputed on every write, the unique index's refusals, soft delete.

Documents are written and read with the raw driver (a page of 50 must cost little more than the
query itself); ``models.contact`` declares their shape and indexes.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from models.crm import Crm
from models.errors import NotFound, Validator
from models.record_rows import new_record_row
from models.timestamps import utcnow
from resolvers.context import Context
from resolvers.generated.custom_types import EntityTypes
from resolvers.records.access import record_crm_or_not_found, records_crm
from resolvers.records.uniqueness import unique_conflict

Row = dict[str, Any]


@dataclass(frozen=True)
class RecordKind:
    """What differs between contacts and organizations."""

    what: str
    collection: Callable[[], Any]
    # The derived keys of a document (models.contact_keys), given the company's definitions and
    # the record's CRM.
    derive: Callable[[Row, EntityTypes, Crm], Awaitable[Row]]
    # ``current`` changed by the given members of an input; every problem goes to the Validator.
    apply: Callable[[Context, Validator, Crm, EntityTypes, Row, Any], Awaitable[Row]]


async def with_derived_keys(kind: RecordKind, document: Row, types: EntityTypes, crm: Crm) -> Row:
    derived = await kind.derive(document, types, crm)
    if document.get("deleted"):
        derived.pop("uniq", None)  # a deleted record holds no unique values
    kept = {key: value for key, value in document.items() if key != "uniq"}
    # A derived value of None (a contact without a segment) is no value: the key goes.
    merged = {**kept, **derived}
    return {key: value for key, value in merged.items() if key not in derived or value is not None}


def _compact(document: Row) -> Row:
    return {key: value for key, value in document.items() if value not in (None, [], {})}


async def create_record(kind: RecordKind, ctx: Context, types: EntityTypes, data: Any) -> Row:
    crm = await records_crm(ctx, data.crm_id, "input.crmId")
    v = Validator()
    base = new_record_row(ctx.tenant_id, crm.id)
    document = _compact(await kind.apply(ctx, v, crm, types, base, data))
    v.raise_if_any()
    document = await with_derived_keys(kind, document, types, crm)
    try:
        await kind.collection().insert_one(document)
    except DuplicateKeyError as error:
        raise await unique_conflict(kind.collection(), document) from error
    return document


async def find_record(
    kind: RecordKind, ctx: Context, record_id: PydanticObjectId
) -> tuple[Row, Crm]:
    """A record of the caller's company, in a CRM they work with (NOT_FOUND otherwise)."""
    document = await kind.collection().find_one({"_id": record_id, "tenant_id": ctx.tenant_id})
    if document is None:
        raise NotFound(kind.what, record_id)
    crm = await record_crm_or_not_found(ctx, document["crm_id"], kind.what, record_id)
    return document, crm


async def replace_record(kind: RecordKind, document: Row, types: EntityTypes, crm: Crm) -> Row:
    document = await with_derived_keys(kind, document, types, crm)
    try:
        await kind.collection().replace_one({"_id": document["_id"]}, document)
    except DuplicateKeyError as error:
        raise await unique_conflict(kind.collection(), document) from error
    return document


async def update_record(
    kind: RecordKind, ctx: Context, types: EntityTypes, record_id: PydanticObjectId, data: Any
) -> Row:
    current, crm = await find_record(kind, ctx, record_id)
    v = Validator()
    document = _compact(await kind.apply(ctx, v, crm, types, current, data))
    v.raise_if_any()
    document["updated_at"] = utcnow()
    return await replace_record(kind, document, types, crm)


async def set_deleted(
    kind: RecordKind, ctx: Context, types: EntityTypes, record_id: PydanticObjectId, deleted: bool
) -> Row:
    """Soft delete and restore. A deleted record holds no unique values, so a new one may take
    them; restoring one whose values were taken meanwhile answers CONFLICT."""
    document, crm = await find_record(kind, ctx, record_id)
    if document.get("deleted", False) == deleted:
        return document
    document["deleted"] = deleted
    document["updated_at"] = utcnow()
    if deleted:
        document["deleted_at"] = document["updated_at"]
    else:
        document.pop("deleted_at", None)
    return await replace_record(kind, document, types, crm)
