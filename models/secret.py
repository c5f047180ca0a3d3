"""A secret as stored: encrypted, plus the hint the API may show."""

from pydantic import BaseModel

# Below this length the last four characters would give away too much of the secret.
MIN_LENGTH_FOR_HINT = 12


class StoredSecret(BaseModel):
    ciphertext: str
    last4: str | None = None

    @staticmethod
    def hint_of(plain: str) -> str | None:
        return plain[-4:] if len(plain) >= MIN_LENGTH_FOR_HINT else None
