"""Encryption of stored secrets (Fernet). Plain values never leave this module but to connectors."""

from cryptography.fernet import Fernet

from models.secret import StoredSecret


class SecretBox:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, plain: str) -> StoredSecret:
        return StoredSecret(
            ciphertext=self._fernet.encrypt(plain.encode()).decode(),
            last4=StoredSecret.hint_of(plain),
        )

    def open(self, secret: StoredSecret) -> str:
        return self._fernet.decrypt(secret.ciphertext.encode()).decode()
