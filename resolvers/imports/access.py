"""Which jobs a caller may see: those of CRMs whose records they work with (R3.1); another
company's job, or one of a CRM hidden from the caller, answers NOT_FOUND."""

from typing import TypeVar

from beanie import Document, PydanticObjectId

from models.errors import NotFound
from resolvers.common.ids import parse_id
from resolvers.context import Context
from resolvers.records.access import record_crm_or_not_found

J = TypeVar("J", bound=Document)


async def visible_job(ctx: Context, model: type[J], job_id: str, what: str) -> J:
    ctx.require_crm_enabled()
    parsed: PydanticObjectId = parse_id(job_id, what)
    job = await model.find_one({"_id": parsed, "tenant_id": ctx.tenant_id})
    if job is None:
        raise NotFound(what, job_id)
    await record_crm_or_not_found(ctx, job.crm_id, what, job_id)  # type: ignore[attr-defined]
    return job
