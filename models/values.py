"""Pure normalization and validation of simple values (emails, URLs, names, regions)."""

import re
import unicodedata
from urllib.parse import urlsplit

import phonenumbers

from models.errors import Validator

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_TEMPLATE_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
MAX_NAME_LENGTH = 200


def normalize_email(email: str) -> str:
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email)) and len(email) <= 254


def name_key(name: str) -> str:
    """The form under which names are unique: case, accents and inner spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().replace("ł", "l"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def is_valid_url(url: str, *, template: bool = False) -> bool:
    """An absolute http(s) URL with a host; with ``template``, ``{placeholders}`` are allowed."""
    candidate = _TEMPLATE_PLACEHOLDER.sub("x", url) if template else url
    if any(ch.isspace() for ch in candidate):
        return False
    try:
        parts = urlsplit(candidate)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port_ok


def is_phone_region(code: str) -> bool:
    return code in phonenumbers.SUPPORTED_REGIONS


def check_name(v: Validator, value: str, path: str) -> str:
    """Trims a required display name and checks that something is left and it is not too long."""
    trimmed = value.strip()
    v.check(bool(trimmed), path, "Must not be empty.")
    v.check(len(trimmed) <= MAX_NAME_LENGTH, path, f"At most {MAX_NAME_LENGTH} characters.")
    return trimmed


def check_url(v: Validator, value: str | None, path: str, *, template: bool = False) -> str | None:
    if value is None:
        return None
    trimmed = value.strip()
    v.check(
        is_valid_url(trimmed, template=template),
        path,
        "Must be an absolute http or https URL."
        if not template
        else "Must be an absolute http or https URL; {placeholders} are allowed.",
    )
    return trimmed
