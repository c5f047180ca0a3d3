"""GraphQL types of users (R3)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.user import Permission as PermissionModel
from models.user import Role as RoleModel
from models.user import User as UserModel

if TYPE_CHECKING:
    from resolvers.projects.types import Project

Role = strawberry.enum(RoleModel, description="What a user may do in the company.")
Permission = strawberry.enum(PermissionModel, description="Extra permissions (DIAL: dialContact).")


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    display_name: str
    roles: list[Role]
    permissions: list[Permission]
    active: bool
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The projects the user is a member of.")
    async def projects(
        self, info: strawberry.Info
    ) -> list[Annotated["Project", strawberry.lazy("resolvers.projects.types")]]:
        from resolvers.projects.types import projects_of_member

        return await projects_of_member(info, self.id)

    @classmethod
    def from_model(cls, user: UserModel) -> "User":
        return cls(
            id=strawberry.ID(str(user.id)),
            email=user.email,
            display_name=user.display_name,
            roles=list(user.roles),
            permissions=list(user.permissions),
            active=user.active,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )
