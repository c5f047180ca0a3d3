"""Keys of the service: from settings, or generated once and kept in the data directory."""

import base64
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

from app.settings import Settings

log = logging.getLogger(__name__)


def _kept_key(path: Path, generate: Callable[[], str]) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = generate()
    # O_EXCL: two processes starting at once on one data directory must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    log.info("generated %s", path)
    return value


def jwt_secret(settings: Settings) -> str:
    if settings.jwt_secret:
        return settings.jwt_secret
    return _kept_key(settings.data_dir / "keys" / "jwt.key", lambda: secrets.token_urlsafe(48))


def fernet_key(settings: Settings) -> str:
    if settings.secret_key:
        Fernet(settings.secret_key.encode())  # fail fast on a malformed key
        return settings.secret_key
    return _kept_key(
        settings.data_dir / "keys" / "secret.key",
        lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    )
