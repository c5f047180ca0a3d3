"""Batch loads of the records a page of contacts or organizations refers to, scoped by tenant."""

from collections.abc import Sequence
from typing import Any

from beanie import PydanticObjectId

from models.contact import Organization
from models.crm import Crm
from models.position import Position
from resolvers.context import Context


def _in_order(keys: Sequence[PydanticObjectId], rows: list[Any], key: str = "id") -> list[Any]:
    by_id = {(row[key] if isinstance(row, dict) else getattr(row, key)): row for row in rows}
    return [by_id.get(k) for k in keys]


async def load_crm(ctx: Context, crm_id: PydanticObjectId) -> Crm | None:
    async def load(ids: list[PydanticObjectId]) -> list[Crm | None]:
        rows = await Crm.find({"_id": {"$in": ids}, "tenant_id": ctx.tenant_id}).to_list()
        return _in_order(ids, rows)

    return await ctx.loader("crms", load).load(crm_id)


async def load_position(ctx: Context, position_id: PydanticObjectId) -> Position | None:
    async def load(ids: list[PydanticObjectId]) -> list[Position | None]:
        rows = await Position.find({"_id": {"$in": ids}, "tenant_id": ctx.tenant_id}).to_list()
        return _in_order(ids, rows)

    return await ctx.loader("positions", load).load(position_id)


async def load_organization_row(
    ctx: Context, organization_id: PydanticObjectId
) -> dict[str, Any] | None:
    async def load(ids: list[PydanticObjectId]) -> list[dict[str, Any] | None]:
        cursor = Organization.get_pymongo_collection().find(
            {"_id": {"$in": ids}, "tenant_id": ctx.tenant_id}
        )
        return _in_order(ids, await cursor.to_list(), key="_id")

    return await ctx.loader("organizations", load).load(organization_id)
