"""Login attempts counted per key (an email, a client address, both), shared by every service
process through the database."""

from datetime import datetime

from beanie import Document
from pymongo import ASCENDING, IndexModel


class LoginAttempts(Document):
    # "pair <address> <email>", "address <address>", "email <email>", or "known <address> <email>"
    # (an address the email logged in from). Emails are at most 254 characters (app/login_throttle).
    key: str
    attempts: int = 0
    # The end of the key's window; the TTL index then removes the record, so that anonymous
    # failures cannot grow the collection for good.
    expires_at: datetime

    class Settings:
        name = "login_attempts"
        indexes = [
            IndexModel([("key", ASCENDING)], unique=True),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        ]
