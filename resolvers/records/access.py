"""Which CRM a record operation works in, and whether the caller may work with its records.

R3.1: the records of a CRM are open to members of a project that has the CRM, and to admins and
supervisors. A CRM the caller may not even see (R1.2) answers NOT_FOUND.
"""

from beanie import PydanticObjectId

from models.crm import Crm
from models.errors import Forbidden, NotFound, ValidationFailed
from models.user import Role
from resolvers.common.ids import parse_id
from resolvers.context import Context
from resolvers.crms.service import caller_scope, find_visible_crm

OVERSEEING_ROLES = (Role.ADMIN, Role.SUPERVISOR)


def _works_with(ctx: Context, crm_id: PydanticObjectId) -> bool:
    """Overseers work with every CRM, members with those of their projects (read with the
    principal)."""
    user = ctx.user()
    if any(role in user.roles for role in OVERSEEING_ROLES):
        return True
    return crm_id in ctx.principal.project_crms.values()


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
    crm = await find_visible_crm(caller_scope(ctx), target, ctx.services.crms)
    if crm is None:
        raise NotFound("Crm", target)
    if not _works_with(ctx, target):
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
