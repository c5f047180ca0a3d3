"""Failed-login bookkeeping per email, shared by every service process through the database."""

from datetime import datetime

from beanie import Document
from pymongo import ASCENDING, IndexModel


class LoginFailures(Document):
    email: str
    failures: int = 0
    last_failure_at: datetime
    locked_until: datetime | None = None

    class Settings:
        name = "login_failures"
        indexes = [IndexModel([("email", ASCENDING)], unique=True)]
