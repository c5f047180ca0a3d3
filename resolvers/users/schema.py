"""Root fields of users: ``users``, ``createUser``, ``updateUser``."""

import strawberry

from models.user import Role as RoleModel
from models.user import User as UserModel
from resolvers.common.ids import parse_id
from resolvers.common.pagination import Connection, SortKey, keyset_page
from resolvers.context import Info
from resolvers.users import service
from resolvers.users.inputs import CreateUserInput, UpdateUserInput
from resolvers.users.types import User


@strawberry.type
class UserQuery:
    @strawberry.field(description="The users of the company, by email (admins and supervisors).")
    async def users(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> Connection[User]:
        ctx = info.context
        ctx.require_any_role(RoleModel.ADMIN, RoleModel.SUPERVISOR)
        return await keyset_page(
            UserModel.get_pymongo_collection(),
            {"tenant_id": ctx.tenant_id},
            [SortKey("email", types=(str,))],
            first,
            after,
            lambda row: User.from_model(UserModel.model_validate(row)),
        )


@strawberry.type
class UserMutation:
    @strawberry.mutation
    async def create_user(self, info: Info, input: CreateUserInput) -> User:
        info.context.require_admin()
        return User.from_model(await service.create_user(info.context.tenant_id, input))

    @strawberry.mutation(description="Changes only the fields given; the last admin stays admin.")
    async def update_user(self, info: Info, id: strawberry.ID, input: UpdateUserInput) -> User:
        info.context.require_admin()
        user_id = parse_id(id, "User")
        return User.from_model(await service.update_user(info.context.tenant_id, user_id, input))
