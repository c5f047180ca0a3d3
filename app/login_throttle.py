"""Bounds the passwords checked for an email and from a client address (through the database).

Every login takes an attempt slot in each of its counters BEFORE its password is checked, each
with one conditional update, so that concurrent logins cannot check more passwords than allowed.
The counters, each over a window of ``login_lockout_seconds`` from its first attempt:

- per address and email: ``login_max_failures`` attempts; a success clears them. Guessing from
  one address refuses only that address, for that email.
- per address: ``login_max_failures_per_address`` failures over all emails.
- per email: ``login_max_failures_per_email`` failures from all addresses, except from the
  addresses the email logged in from during the last ``KNOWN_ADDRESS_DAYS``: an attacker with many
  addresses cannot lock the user out of the places they log in from.

A success gives its slots in the address and email counters back: there only failures count.
Each failure delays its answer, doubling with the failures counted. Records expire by a TTL index
on ``expires_at`` (an expired record the TTL monitor has not removed yet is not counted).
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from starlette.types import Scope

from app.client_address import client_address, trusted_proxies
from app.settings import Settings
from models.errors import TooManyRequests
from models.login_throttle import LoginAttempts
from models.timestamps import utcnow

MAX_DELAY_SECONDS = 4.0
KNOWN_ADDRESS_DAYS = 30


@dataclass(frozen=True)
class LoginLimits:
    per_pair: int
    per_address: int
    per_email: int


@dataclass(frozen=True)
class Attempt:
    """The slots one login took, until its password has been checked."""

    email: str
    address: str
    # The counters given back on success (the pair's is cleared instead).
    shared_keys: tuple[str, ...]
    # The most attempts any of its counters holds, this one included.
    attempts: int


def _pair(address: str, email: str) -> str:
    return f"pair {address} {email}"


def _known(address: str, email: str) -> str:
    return f"known {address} {email}"


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self.limits = LoginLimits(
            settings.login_max_failures,
            settings.login_max_failures_per_address,
            settings.login_max_failures_per_email,
        )
        self._window = timedelta(seconds=settings.login_lockout_seconds)
        self._base_delay = settings.login_failure_delay
        # Reverse proxies whose X-Forwarded-For names the client (app/client_address.py).
        self.proxies = trusted_proxies(settings.trusted_proxies)

    def address_of(self, scope: Scope) -> str:
        """The client address a request's attempts are counted under."""
        return client_address(scope, self.proxies)

    async def begin(self, email: str, address: str) -> Attempt:
        """Takes this login's slots; TOO_MANY_REQUESTS when a counter is full."""
        collection = LoginAttempts.get_pymongo_collection()
        now = utcnow()
        known = await collection.find_one(
            {"key": _known(address, email), "expires_at": {"$gt": now}}, {"_id": 1}
        )
        counters = [(_pair(address, email), self.limits.per_pair)]
        counters.append((f"address {address}", self.limits.per_address))
        if known is None:
            counters.append((f"email {email}", self.limits.per_email))
        attempts = [await self._take(key, limit, now) for key, limit in counters]
        return Attempt(email, address, tuple(key for key, _ in counters[1:]), max(attempts))

    def failure_delay(self, attempt: Attempt) -> float:
        """How long to delay the answer of a failed attempt, in seconds."""
        return min(self._base_delay * 2 ** min(attempt.attempts - 1, 16), MAX_DELAY_SECONDS)

    async def succeeded(self, attempt: Attempt) -> None:
        collection = LoginAttempts.get_pymongo_collection()
        await collection.delete_one({"key": _pair(attempt.address, attempt.email)})
        await collection.update_many(
            {"key": {"$in": list(attempt.shared_keys)}, "attempts": {"$gt": 0}},
            {"$inc": {"attempts": -1}},
        )
        await collection.update_one(
            {"key": _known(attempt.address, attempt.email)},
            {"$set": {"expires_at": utcnow() + timedelta(days=KNOWN_ADDRESS_DAYS)}},
            upsert=True,
        )

    async def _take(self, key: str, limit: int, now: datetime) -> int:
        """One slot of ``key``'s counter: the attempts it now holds."""
        collection = LoginAttempts.get_pymongo_collection()
        for _ in range(2):
            record = await collection.find_one_and_update(
                {"key": key, "attempts": {"$lt": limit}, "expires_at": {"$gt": now}},
                {"$inc": {"attempts": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if record is not None:
                return record["attempts"]
            try:
                # Not an upsert: the embedded server's concurrent upserts may answer no document.
                await collection.insert_one(
                    {"key": key, "attempts": 1, "expires_at": now + self._window}
                )
                return 1
            except DuplicateKeyError:
                # The counter is full, or its window is over and the record not yet removed, or
                # another login inserted it first: once more after removing it if it is over.
                await collection.delete_one({"key": key, "expires_at": {"$lte": now}})
        raise TooManyRequests(
            "Too many failed logins; try again later.",
            retry_after_seconds=await self._retry_after(key, now),
        )

    async def _retry_after(self, key: str, now: datetime) -> int:
        record = await LoginAttempts.get_pymongo_collection().find_one({"key": key})
        ends = record["expires_at"] if record else now
        return max(1, math.ceil((ends - now).total_seconds()))
