"""``login`` and ``me``."""

import asyncio
from dataclasses import replace

import strawberry

from app.passwords import verify_password
from app.tokens import TokenKind
from models.errors import Unauthenticated, Validator
from models.user import User as UserModel
from models.values import is_valid_email, normalize_email
from resolvers.context import Info
from resolvers.users.types import User


@strawberry.type
class AuthPayload:
    token: str = strawberry.field(description="Send it as 'Authorization: Bearer <token>'.")
    user: User


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _checked_email(email: str, password: str) -> str:
    """The login's email, normalized; refused before anything is read or stored when it cannot
    be any user's (emails are at most 254 characters) or the password cannot be text."""
    normalized = normalize_email(email)
    v = Validator()
    v.check(
        is_valid_email(normalized) and normalized.isprintable(),
        "email",
        "Not a valid email address.",
    )
    v.check(_encodable(password), "password", "Not valid text.")
    v.raise_if_any()
    return normalized


@strawberry.type
class AuthQuery:
    @strawberry.field(
        description="The calling user; its permissions are the effective ones: the user's own "
        "and those of their roles (companySettings.rolePermissions)."
    )
    def me(self, info: Info) -> User:
        me = User.from_model(info.context.user())
        return replace(me, permissions=info.context.principal.permissions)


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="The one operation that needs no token.")
    async def login(self, info: Info, email: str, password: str) -> AuthPayload:
        services = info.context.services
        normalized = _checked_email(email, password)
        address = services.login_throttle.address_of(info.context.request.scope)
        attempt = await services.login_throttle.begin(normalized, address)
        user = await UserModel.find_one({"email": normalized})
        valid = await verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.active:
            await asyncio.sleep(services.login_throttle.failure_delay(attempt))
            raise Unauthenticated("Invalid email or password.")
        await services.login_throttle.succeeded(attempt)
        token = services.tokens.issue(
            TokenKind.USER, str(user.id), str(user.tenant_id), version=user.token_version
        )
        return AuthPayload(token=token, user=User.from_model(user))
