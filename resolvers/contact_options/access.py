"""Who reads and who configures contact options: like CRMs, nothing while the CRM is off (R1.1)."""

from beanie import PydanticObjectId

from resolvers.context import Context


def reading(ctx: Context) -> PydanticObjectId:
    """Any user of the company reads; the caller's company is the base of every query."""
    ctx.require_crm_enabled()
    return ctx.tenant_id


def configuring(ctx: Context) -> PydanticObjectId:
    """R3.2: only admins change the configuration."""
    ctx.require_crm_enabled()
    ctx.require_admin()
    return ctx.tenant_id
