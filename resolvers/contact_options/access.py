"""Who reads contact options: like CRMs, nothing while the CRM is off (R1.1); configuring them
is ``Context.configuring``."""

from beanie import PydanticObjectId

from resolvers.context import Context


def reading(ctx: Context) -> PydanticObjectId:
    """Any user of the company reads; the caller's company is the base of every query."""
    ctx.require_crm_enabled()
    return ctx.tenant_id
