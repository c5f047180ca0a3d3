"""Issuing user and telephony tokens, and reading a company's field definitions, from the command
line, while the service may be running."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from beanie import PydanticObjectId
from bson.errors import InvalidId

from app.db import Database
from app.settings import Settings
from app.tokens import TokenKind, TokenService
from models.company import Company
from models.field_definition import FieldDefinition
from models.user import User
from models.values import name_key, normalize_email

T = TypeVar("T")


async def _read(settings: Settings, read: Callable[[], Awaitable[T]]) -> T:
    database = Database(settings)
    await database.connect()
    try:
        return await read()
    finally:
        await database.close()


async def token_for_email(settings: Settings, tokens: TokenService, email: str) -> str | None:
    user = await _read(
        settings, lambda: User.find_one({"email": normalize_email(email), "active": True})
    )
    if user is None:
        return None
    return tokens.issue(
        TokenKind.USER, str(user.id), str(user.tenant_id), version=user.token_version
    )


async def _company(name_or_id: str) -> Company | None:
    try:
        by_id = await Company.get(PydanticObjectId(name_or_id))
    except InvalidId:
        by_id = None
    return by_id or await Company.find_one({"name_key": name_key(name_or_id)})


async def telephony_token(settings: Settings, tokens: TokenService, company: str) -> str | None:
    """A token of the telephony side of ``company`` (its name or id): it reports the company's
    calls and receives its dial requests, nothing else."""
    found = await _read(settings, lambda: _company(company))
    if found is None:
        return None
    return tokens.issue(TokenKind.TELEPHONY, str(found.id), str(found.id))


async def company_definitions(settings: Settings, company: str) -> list[FieldDefinition] | None:
    """The field definitions of ``company`` (its name or id); None: no such company."""

    async def read() -> list[FieldDefinition] | None:
        found = await _company(company)
        if found is None:
            return None
        return await FieldDefinition.find({"tenant_id": found.id}).to_list()

    return await _read(settings, read)
