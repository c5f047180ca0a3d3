"""Turns an ``Authorization`` value into a :class:`Principal`, or refuses it.

The token is verified on every request; what it may do (the user, active or not, their roles and
projects, the company) is read from the database, or taken from the principal cache while nothing
it was read from has changed (``app/kept_reads.py``)."""

import asyncio
import math
from functools import partial

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pydantic import BaseModel, Field

from app.kept_reads import KeptReads
from app.principal import ANONYMOUS, OPERATOR, Principal, PrincipalKind
from app.tokens import InvalidToken, TokenKind, TokenService
from models.company import Company
from models.errors import Unauthenticated
from models.project import Project
from models.user import User

BEARER = "bearer "


class _ProjectRef(BaseModel):
    id: PydanticObjectId = Field(alias="_id")
    crm_id: PydanticObjectId | None = None


def _object_id(value: str | None) -> PydanticObjectId:
    try:
        if value is not None:
            return PydanticObjectId(value)
    except InvalidId:
        pass
    raise Unauthenticated("The bearer token is invalid or expired.")


class Authenticator:
    def __init__(self, tokens: TokenService, principals: KeptReads) -> None:
        self._tokens = tokens
        self._principals = principals

    async def principal_for(self, authorization: str | None) -> Principal:
        """No header: anonymous. A header that is not a valid, current token: Unauthenticated."""
        return (await self.session_for(authorization))[0]

    async def session_for(self, authorization: str | None) -> tuple[Principal, float]:
        """The principal and when its token expires (a POSIX timestamp)."""
        if not authorization:
            return ANONYMOUS, math.inf
        if not authorization.lower().startswith(BEARER):
            raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
        try:
            claims = self._tokens.verify(authorization[len(BEARER) :].strip())
        except InvalidToken as error:
            raise Unauthenticated("The bearer token is invalid or expired.") from error
        if claims.kind is TokenKind.OPERATOR:
            return OPERATOR, claims.expires_at
        tenant_id, subject = _object_id(claims.tenant_id), _object_id(claims.subject)
        if claims.kind is TokenKind.TELEPHONY:
            read = partial(self._telephony_principal, tenant_id)
        else:
            read = partial(self._user_principal, subject, tenant_id)
        principal = await self._principals.get((claims.kind, subject, tenant_id), read)
        if principal.user is not None and principal.user.token_version != claims.version:
            raise Unauthenticated(
                "The bearer token is no longer valid (password changed); log in again."
            )
        return principal, claims.expires_at

    async def _telephony_principal(self, tenant_id: PydanticObjectId) -> Principal:
        company = await Company.get(tenant_id)
        if company is None:
            raise Unauthenticated("The bearer token's company no longer exists.")
        return Principal(PrincipalKind.TELEPHONY, company=company)

    async def _user_principal(
        self, user_id: PydanticObjectId, tenant_id: PydanticObjectId
    ) -> Principal:
        # The token names the company, so the three reads need not wait for each other.
        user, company, projects = await asyncio.gather(
            User.get(user_id),
            Company.get(tenant_id),
            Project.find(
                {"tenant_id": tenant_id, "member_ids": user_id}, projection_model=_ProjectRef
            ).to_list(),
        )
        if user is None or not user.active or user.tenant_id != tenant_id:
            raise Unauthenticated("The bearer token's user no longer exists or is inactive.")
        if company is None:
            raise Unauthenticated("The bearer token's company no longer exists.")
        return Principal(
            PrincipalKind.USER,
            user=user,
            company=company,
            project_ids=frozenset(p.id for p in projects),
            project_crms={p.id: p.crm_id for p in projects},
        )
