"""Slows down and then refuses repeated failed logins for one email (shared through the database).

Each failure doubles the delay of the answer; after ``login_max_failures`` failures within the
lockout window the email is refused with TOO_MANY_REQUESTS until the window has passed. A success
clears the record.
"""

import math
from datetime import timedelta

from pymongo import ReturnDocument

from app.settings import Settings
from models.errors import TooManyRequests
from models.login_throttle import LoginFailures
from models.timestamps import utcnow

MAX_DELAY_SECONDS = 4.0


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self._max_failures = settings.login_max_failures
        self._window = timedelta(seconds=settings.login_lockout_seconds)
        self._base_delay = settings.login_failure_delay

    async def check(self, email: str) -> None:
        record = await LoginFailures.find_one({"email": email})
        now = utcnow()
        if record and record.locked_until and record.locked_until > now:
            wait = math.ceil((record.locked_until - now).total_seconds())
            raise TooManyRequests(
                "Too many failed logins for this email; try again later.", retry_after_seconds=wait
            )

    async def record_failure(self, email: str) -> float:
        """Counts a failure and returns how long to delay the answer, in seconds."""
        now = utcnow()
        collection = LoginFailures.get_pymongo_collection()
        # Failures older than the window are forgotten before this one is counted.
        await collection.update_one(
            {"email": email, "last_failure_at": {"$lt": now - self._window}},
            {"$set": {"failures": 0, "locked_until": None}},
        )
        record = await collection.find_one_and_update(
            {"email": email},
            {"$inc": {"failures": 1}, "$set": {"last_failure_at": now}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        failures = record["failures"]
        if failures >= self._max_failures:
            await collection.update_one(
                {"email": email}, {"$set": {"locked_until": now + self._window}}
            )
        return min(self._base_delay * 2 ** (failures - 1), MAX_DELAY_SECONDS)

    async def record_success(self, email: str) -> None:
        await LoginFailures.find({"email": email}).delete()
