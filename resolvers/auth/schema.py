"""``login`` and ``me``."""

import asyncio

import strawberry

from app.passwords import verify_password
from app.tokens import TokenKind
from models.errors import Unauthenticated
from models.user import User as UserModel
from models.values import normalize_email
from resolvers.context import Info
from resolvers.users.types import User


@strawberry.type
class AuthPayload:
    token: str = strawberry.field(description="Send it as 'Authorization: Bearer <token>'.")
    user: User


@strawberry.type
class AuthQuery:
    @strawberry.field(description="The calling user.")
    def me(self, info: Info) -> User:
        return User.from_model(info.context.user())


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="The one operation that needs no token.")
    async def login(self, info: Info, email: str, password: str) -> AuthPayload:
        services = info.context.services
        normalized = normalize_email(email)
        await services.login_throttle.check(normalized)
        user = await UserModel.find_one({"email": normalized})
        valid = await verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.active:
            delay = await services.login_throttle.record_failure(normalized)
            await asyncio.sleep(delay)
            raise Unauthenticated("Invalid email or password.")
        await services.login_throttle.record_success(normalized)
        token = services.tokens.issue(TokenKind.USER, str(user.id), str(user.tenant_id))
        return AuthPayload(token=token, user=User.from_model(user))
