"""Encryption of stored secrets (Fernet). Plain values never leave this module but to connectors."""

from cryptography.fernet import Fernet

from models.secret import StoredSecret, masked_url


class SecretBox:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, plain: str, *, url: bool = False) -> StoredSecret:
        """``url``: the secret is a URL, shown masked (:func:`models.secret.masked_url`)."""
        return StoredSecret(
            ciphertext=self._fernet.encrypt(plain.encode()).decode(),
            last4=StoredSecret.hint_of(plain),
            masked_url=masked_url(plain) if url else None,
        )

    def open(self, secret: StoredSecret) -> str:
        return self._fernet.decrypt(secret.ciphertext.encode()).decode()
