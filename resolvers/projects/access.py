"""Which projects a caller sees: the base filter of every read of projects."""

from typing import Any

from models.user import Role
from resolvers.context import Context

# Roles that oversee the whole company; everyone else sees only the projects they work in.
OVERSEEING_ROLES = (Role.ADMIN, Role.SUPERVISOR)


def visible_projects(ctx: Context) -> dict[str, Any]:
    """Admins and supervisors see every project of the company, others only their own."""
    user = ctx.user()
    scope: dict[str, Any] = {"tenant_id": ctx.tenant_id}
    if not any(role in user.roles for role in OVERSEEING_ROLES):
        scope["member_ids"] = user.id
    return scope
