"""Checks the ids a record names (position, stage, source, organization): each must exist in the
caller's company and, for per-CRM lists, in the record's CRM. Another company's id behaves like
one that does not exist."""

from typing import Any

from beanie import PydanticObjectId
from bson.errors import InvalidId

from models.contact import Organization
from models.crm import Crm
from models.errors import Validator
from models.position import Position
from resolvers.common.inputs import camel
from resolvers.context import Context


def _parse(value: str) -> PydanticObjectId | None:
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError):
        return None


async def _exists(ctx: Context, crm: Crm, name: str, ref: PydanticObjectId) -> bool:
    match name:
        case "stage_id":
            return any(stage.id == ref for stage in crm.stages)
        case "acquisition_source_id":
            return any(source.id == ref for source in crm.acquisition_sources)
        case "position_id":
            return await Position.find_one({"_id": ref, "tenant_id": ctx.tenant_id}) is not None
        case "organization_id":
            found = await Organization.get_pymongo_collection().find_one(
                {"_id": ref, "tenant_id": ctx.tenant_id, "crm_id": crm.id, "deleted": False},
                {"_id": 1},
            )
            return found is not None
    raise ValueError(f"unknown reference {name}")


_MESSAGES = {
    "stage_id": "No such stage in this CRM.",
    "acquisition_source_id": "No such acquisition source in this CRM.",
    "position_id": "No such position.",
    "organization_id": "No such organization in this CRM.",
}


async def check_references(
    v: Validator, ctx: Context, crm: Crm, given: dict[str, str | None]
) -> dict[str, PydanticObjectId | None]:
    """The stored ids of the references ``given`` (null clears one)."""
    stored: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            stored[name] = None
            continue
        ref = _parse(value)
        if ref is None or not await _exists(ctx, crm, name, ref):
            v.add(f"input.{camel(name)}", _MESSAGES[name])
            continue
        stored[name] = ref
    return stored
