"""A secret as stored: encrypted, plus the hint the API may show."""

from urllib.parse import urlsplit

from pydantic import BaseModel

# Below this length the last four characters would give away too much of the secret.
MIN_LENGTH_FOR_HINT = 12
MASK = "****"


class StoredSecret(BaseModel):
    ciphertext: str
    last4: str | None = None
    # A secret URL (Zammad's CTI endpoint: its last path segment is the token) as shown.
    masked_url: str | None = None

    @staticmethod
    def hint_of(plain: str) -> str | None:
        return plain[-4:] if len(plain) >= MIN_LENGTH_FOR_HINT else None


def masked_url(plain: str) -> str:
    """``plain`` with its last path segment masked, keeping that segment's last four characters
    when it is long enough (``https://host/api/v1/cti/****abcd``); the query and fragment,
    which may hold secrets too, are left out, and so is any user info."""
    parts = urlsplit(plain)
    head, _, last = parts.path.rpartition("/")
    hint = StoredSecret.hint_of(last) or ""
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{head}/{MASK}{hint}"
