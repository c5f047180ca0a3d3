"""Turns an ``Authorization`` value into a :class:`Principal`, or refuses it."""

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pydantic import BaseModel, Field

from app.principal import ANONYMOUS, OPERATOR, Principal, PrincipalKind
from app.tokens import InvalidToken, TokenKind, TokenService
from models.company import Company
from models.errors import Unauthenticated
from models.project import Project
from models.user import User

BEARER = "bearer "


class _ProjectId(BaseModel):
    id: PydanticObjectId = Field(alias="_id")


class Authenticator:
    def __init__(self, tokens: TokenService) -> None:
        self._tokens = tokens

    async def principal_for(self, authorization: str | None) -> Principal:
        """No header: anonymous. A header that is not a valid, current token: Unauthenticated."""
        if not authorization:
            return ANONYMOUS
        if not authorization.lower().startswith(BEARER):
            raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
        try:
            claims = self._tokens.verify(authorization[len(BEARER) :].strip())
        except InvalidToken as error:
            raise Unauthenticated("The bearer token is invalid or expired.") from error
        if claims.kind is TokenKind.OPERATOR:
            return OPERATOR
        return await self._user_principal(claims.subject, claims.tenant_id)

    async def _user_principal(self, user_id: str, tenant_id: str | None) -> Principal:
        try:
            user = await User.get(PydanticObjectId(user_id))
        except InvalidId:
            user = None
        if user is None or not user.active or str(user.tenant_id) != tenant_id:
            raise Unauthenticated("The bearer token's user no longer exists or is inactive.")
        company = await Company.get(user.tenant_id)
        if company is None:
            raise Unauthenticated("The bearer token's company no longer exists.")
        projects = await Project.find(
            {"tenant_id": user.tenant_id, "member_ids": user.id},
            projection_model=_ProjectId,
        ).to_list()
        return Principal(
            PrincipalKind.USER,
            user=user,
            company=company,
            project_ids=frozenset(p.id for p in projects),
        )
