"""Who may do what with calls.

- The telephony side reports calls and receives dial requests: a telephony token
  (``crm token --telephony``), a user with the permission TELEPHONY, or an admin.
- An agent works with the calls of the projects they are members of; admins and supervisors with
  every call of the company.
- Matching searches the CRMs whose records the caller works with (R3.1), within what they may
  see (R1.2).

Every call operation is a CRM operation: refused while the company's CRM is off (R1.1).
"""

from typing import Any

from beanie import PydanticObjectId

from app.principal import PrincipalKind
from models.call_event import CallDirection
from models.company import Company
from models.errors import CrmDisabled, Forbidden, NotFound, ValidationFailed
from models.project import Project
from models.user import Permission
from resolvers.common.ids import parse_id
from resolvers.context import Context
from resolvers.crms.service import caller_scope
from resolvers.projects.access import OVERSEEING_ROLES, visible_projects
from resolvers.records.access import records_crm


def telephony_company(ctx: Context) -> Company:
    """The company whose calls the caller reports."""
    principal = ctx.principal
    if principal.kind is PrincipalKind.TELEPHONY and principal.company is not None:
        company = principal.company
    else:
        user = ctx.user()
        if not (user.is_admin or principal.has_permission(Permission.TELEPHONY)):
            raise Forbidden("Only the telephony side and administrators report calls.")
        company = ctx.company()
    if not company.settings.crm_enabled:
        raise CrmDisabled()
    return company


def _oversees(ctx: Context) -> bool:
    return any(role in ctx.user().roles for role in OVERSEEING_ROLES)


def works_with_call(ctx: Context, row: dict[str, Any]) -> bool:
    """Overseers work with every call; an agent with those of their projects and their own
    dial requests."""
    if _oversees(ctx):
        return True
    if row["direction"] == CallDirection.OUTBOUND:
        return row.get("requested_by_id") == ctx.user().id
    return row.get("project_id") in ctx.principal.project_ids


def subscribed_projects(ctx: Context, project_ids: list[str] | None) -> frozenset[PydanticObjectId]:
    """The projects whose calls a subscriber receives: those named, each one the caller is a
    member of (FORBIDDEN otherwise, another company's too); none named: all of theirs."""
    ctx.require_crm_enabled()
    ctx.user()
    member_of = ctx.principal.project_ids
    if not project_ids:
        return member_of
    wanted = set()
    for project_id in project_ids:
        try:
            parsed = parse_id(project_id, "Project")
        except NotFound:
            parsed = None
        if parsed is None or parsed not in member_of:
            raise Forbidden(f"You are not a member of project {project_id}.")
        wanted.add(parsed)
    return frozenset(wanted)


async def _crm_of_other_project(
    ctx: Context, project_id: PydanticObjectId, path: str
) -> PydanticObjectId | None:
    """An admin's or supervisor's look at a project they are not a member of."""
    project = await Project.find_one({**visible_projects(ctx), "_id": project_id})
    if project is None:
        raise NotFound("Project", project_id)
    if project.crm_id is not None and not ctx.user().is_admin:
        # A supervisor outside the project: R1.2 may hide its CRM from them.
        try:
            await records_crm(ctx, str(project.crm_id), path)
        except NotFound as error:
            raise Forbidden("The project's CRM is not one you may see.") from error
    return project.crm_id


async def project_crm_id(ctx: Context, project_id: str, path: str) -> PydanticObjectId:
    """The CRM of a project the caller sees, whose records they work with. A member's projects
    and their CRMs came with the principal: asking costs no query."""
    ctx.require_crm_enabled()
    parsed = parse_id(project_id, "Project")
    if parsed in ctx.principal.project_crms:
        crm_id = ctx.principal.project_crms[parsed]
    else:
        crm_id = await _crm_of_other_project(ctx, parsed, path)
    if crm_id is None:
        raise ValidationFailed.single(path, "The project has no CRM.")
    return crm_id


async def matchable_crm_ids(ctx: Context) -> frozenset[PydanticObjectId] | None:
    """The CRMs whose records the caller works with; None: every CRM of the company."""
    ctx.require_crm_enabled()
    if _oversees(ctx):
        return (caller_scope(ctx)).only_ids
    return frozenset(c for c in ctx.principal.project_crms.values() if c is not None)
