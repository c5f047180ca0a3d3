from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC, truncated to milliseconds: what BSON dates store, so values round-trip."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
