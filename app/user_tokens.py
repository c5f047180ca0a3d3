"""Issuing a user's token from the command line, while the service may be running."""

from app.db import Database
from app.settings import Settings
from app.tokens import TokenKind, TokenService
from models.user import User
from models.values import normalize_email


async def token_for_email(settings: Settings, tokens: TokenService, email: str) -> str | None:
    database = Database(settings)
    await database.connect()
    try:
        user = await User.find_one({"email": normalize_email(email), "active": True})
    finally:
        await database.close()
    if user is None:
        return None
    return tokens.issue(TokenKind.USER, str(user.id), str(user.tenant_id))
