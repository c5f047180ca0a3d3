"""The GraphQL names (keys) of custom fields: derived from display names, or checked when given.

A key names the field in the tenant's generated schema (``custom { rokZalozenia }``) and in stored
documents, and never changes once the field exists. ``taken`` is everything the new key must not
equal: the entity's native field names and the keys of its other custom fields.
"""

import re
from collections.abc import Set

from models.values import name_key

MAX_KEY_LENGTH = 64
_KEY = re.compile(rf"[a-z][A-Za-z0-9]{{0,{MAX_KEY_LENGTH - 1}}}")
_WORD = re.compile(r"[a-z0-9]+")

CONTACT_NATIVE_FIELDS = frozenset(
    {
        "id",
        "crm",
        "firstName",
        "lastName",
        "email",
        "phones",
        "position",
        "stage",
        "acquisitionSource",
        "tags",
        "address",
        "organization",
        "custom",
        "segment",
        "calls",
        "createdAt",
        "updatedAt",
        "deletedAt",
    }
)
ORGANIZATION_NATIVE_FIELDS = frozenset(
    {
        "id",
        "crm",
        "name",
        "taxId",
        "regon",
        "address",
        "phones",
        "emails",
        "website",
        "custom",
        "contacts",
        "createdAt",
        "updatedAt",
        "deletedAt",
    }
)


def derive_key(name: str, taken: Set[str]) -> str:
    """lowerCamelCase ASCII of the name ("Rok założenia" -> "rokZalozenia"), made valid and free.

    Letters lose their diacritics (ł -> l too), anything that is not a letter or digit separates
    words, a leading digit gets the prefix "f", nothing left gives "field". A key in ``taken`` gets
    the smallest free numeric suffix from 2 ("rokZalozenia2"); the result is cut to stay within
    ``MAX_KEY_LENGTH``.
    """
    words = _WORD.findall(name_key(name))
    base = words[0] + "".join(word.capitalize() for word in words[1:]) if words else "field"
    if base[0].isdigit():
        base = "f" + base
    base = base[:MAX_KEY_LENGTH]
    key, suffix = base, 2
    while key in taken:
        tail = str(suffix)
        key = base[: MAX_KEY_LENGTH - len(tail)] + tail
        suffix += 1
    return key


def validate_key(key: str, taken: Set[str]) -> str | None:
    """The reason an explicitly given key cannot be used, or None when it can."""
    if key.startswith("__"):
        return "Names starting with __ are reserved by GraphQL."
    if not _KEY.fullmatch(key):
        return (
            "Must start with a lowercase letter and contain only ASCII letters and digits, "
            f"at most {MAX_KEY_LENGTH} characters."
        )
    if key in taken:
        return f"The key {key} is already used by another field of this entity."
    return None
