"""Which CRM an operation on stages or acquisition sources works in.

The CRM's visibility is the CRM domain's (R1.2): a CRM the caller may not see answers exactly like
one that does not exist. Admins, who configure, see every CRM of the company.
"""

from beanie import PydanticObjectId

from models.crm import Crm
from models.errors import ValidationFailed
from resolvers.common.ids import parse_id
from resolvers.contact_options.access import reading
from resolvers.context import Context
from resolvers.crms.service import CrmScope, caller_scope, get_crm

CRM_ID_DESCRIPTION = "The CRM; the company's default CRM when omitted."


def target_crm_id(ctx: Context, crm_id: str | None, path: str) -> PydanticObjectId:
    """The CRM ``crm_id`` names or, when it is omitted, the company's default CRM (R1.3)."""
    if crm_id is not None:
        return parse_id(crm_id, "Crm")
    default = ctx.company().settings.default_crm_id
    if default is None:
        raise ValidationFailed.single(path, "Name a CRM: the company has no default CRM.")
    return default


async def readable_crm(ctx: Context, crm_id: str | None, path: str = "crmId") -> Crm:
    reading(ctx)
    return await get_crm(caller_scope(ctx), target_crm_id(ctx, crm_id, path))


async def configurable_crm(ctx: Context, crm_id: str | None, path: str = "input.crmId") -> Crm:
    tenant_id = ctx.configuring()
    return await get_crm(CrmScope(tenant_id), target_crm_id(ctx, crm_id, path))
