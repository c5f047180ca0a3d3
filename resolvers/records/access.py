"""Which CRM a record operation works in, and whether the caller may work with its records.

R3.1: the records of a CRM are open to members of a project that has the CRM, and to admins and
supervisors. A CRM the caller may not even see (R1.2) answers NOT_FOUND.
"""

from beanie import PydanticObjectId

from models.crm import Crm
from models.errors import Forbidden, NotFound, ValidationFailed
from models.project import Project
from models.user import Role
from resolvers.common.ids import parse_id
from resolvers.context import Context
from resolvers.crms.service import caller_scope, find_visible_crm

OVERSEEING_ROLES = (Role.ADMIN, Role.SUPERVISOR)


async def _works_with(ctx: Context, crm_id: PydanticObjectId) -> bool:
    user = ctx.user()
    if any(role in user.roles for role in OVERSEEING_ROLES):
        return True
    project = await Project.find_one(
        {
            "tenant_id": ctx.tenant_id,
            "_id": {"$in": sorted(ctx.principal.project_ids)},
            "crm_id": crm_id,
        }
    )
    return project is not None


async def records_crm(ctx: Context, crm_id: str | None, path: str = "crmId") -> Crm:
    """The CRM named by ``crm_id``, or the company's default (R1.3), once access is allowed."""
    ctx.require_crm_enabled()
    if crm_id is None:
        default = ctx.company().settings.default_crm_id
        if default is None:
            raise ValidationFailed.single(path, "Name a CRM: the company has no default CRM.")
        target = default
    else:
        target = parse_id(crm_id, "Crm")
    crm = await find_visible_crm(await caller_scope(ctx), target)
    if crm is None:
        raise NotFound("Crm", target)
    if not await _works_with(ctx, target):
        raise Forbidden("Only members of a project with this CRM work with its records.")
    return crm


async def record_crm_or_not_found(
    ctx: Context, crm_id: PydanticObjectId, what: str, record_id: object
) -> Crm:
    """For a record found by id: a CRM the caller may not work with hides the record."""
    try:
        return await records_crm(ctx, str(crm_id))
    except (NotFound, Forbidden) as error:
        raise NotFound(what, record_id) from error
