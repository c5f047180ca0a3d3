"""Checks and stored forms of the native values shared by contacts and organizations, and of
custom values. Each function adds every problem to the Validator with its field path."""

from typing import Any

from strawberry import UNSET

from models.custom_values import InvalidValue, to_stored
from models.errors import Validator
from models.phones import InvalidPhone, normalize_phone
from models.values import is_valid_email, normalize_email
from resolvers.generated.custom_types import EntityTypes
from resolvers.records.types import AddressInput, PhoneInput

MAX_TAGS = 50
MAX_TAG_LENGTH = 100
MAX_FIELD_LENGTH = 200
ADDRESS_MEMBERS = ("country", "region", "city", "postal_code", "line1", "line2")


def optional_text(v: Validator, value: str | None, path: str) -> str | None:
    if value is None:
        return None
    trimmed = value.strip()
    v.check(len(trimmed) <= MAX_FIELD_LENGTH, path, f"At most {MAX_FIELD_LENGTH} characters.")
    return trimmed or None


def check_email(v: Validator, email: str | None, path: str) -> str | None:
    if email is None or not email.strip():
        return None
    normalized = normalize_email(email)
    v.check(is_valid_email(normalized), path, "Not a valid email address.")
    return normalized


def check_phones(
    v: Validator, phones: list[PhoneInput], region: str, path: str
) -> list[dict[str, Any]]:
    stored = []
    for i, phone in enumerate(phones):
        try:
            number = normalize_phone(phone.number, region)
        except InvalidPhone as error:
            v.add(f"{path}.{i}.number", str(error))
            continue
        label = optional_text(v, phone.label, f"{path}.{i}.label")
        stored.append({"number": number, "raw": phone.number.strip(), "label": label})
    return stored


def check_tags(v: Validator, tags: list[str], path: str) -> list[str]:
    kept: dict[str, str] = {}
    for i, tag in enumerate(tags):
        trimmed = " ".join(tag.split())
        if not v.check(bool(trimmed), f"{path}.{i}", "Must not be empty."):
            continue
        v.check(
            len(trimmed) <= MAX_TAG_LENGTH, f"{path}.{i}", f"At most {MAX_TAG_LENGTH} characters."
        )
        kept.setdefault(trimmed.casefold(), trimmed)
    v.check(len(kept) <= MAX_TAGS, path, f"At most {MAX_TAGS} tags.")
    return list(kept.values())


def apply_address(
    v: Validator, current: dict[str, Any], data: AddressInput | None, path: str
) -> dict[str, Any]:
    """``current`` changed by the members given; a null address clears it."""
    if data is None:
        return {}
    address = dict(current)
    for member in ADDRESS_MEMBERS:
        value = getattr(data, member)
        if value is UNSET:
            continue
        camel = "postalCode" if member == "postal_code" else member
        text = optional_text(v, value, f"{path}.{camel}")
        if text is None:
            address.pop(member, None)
        else:
            address[member] = text.upper() if member == "country" else text
    return address


def apply_custom(
    v: Validator,
    types: EntityTypes,
    current: dict[str, Any],
    given: dict[str, Any],
    path: str,
) -> dict[str, Any]:
    """``current`` custom values changed by ``given`` ({key: value}; null clears); every
    required field must end up with a value."""
    custom = dict(current)
    definitions = types.by_key
    for key, value in given.items():
        try:
            stored = to_stored(definitions[key], value)
        except InvalidValue as error:
            v.add(f"{path}.{key}", str(error))
            continue
        if stored is None:
            custom.pop(key, None)
        else:
            custom[key] = stored
    for definition in types.definitions:
        if definition.required and definition.key not in custom:
            v.add(f"{path}.{definition.key}", "Required.")
    return custom
