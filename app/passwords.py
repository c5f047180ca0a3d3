"""Password hashing (argon2id), off the event loop: each hash costs tens of milliseconds of CPU."""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8

# Verified against when the email is unknown, so that the answer takes as long as for a known one.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    matches = await asyncio.to_thread(_verify, password_hash or _DUMMY_HASH, password)
    return matches and password_hash is not None
