"""Computes the derived, indexed keys of a contact or organization (see models/contact.py).

The encodings of a value are the same here and in the filters that query them
(:func:`encode_value`), so a filter and the stored entry it must meet can never disagree.
"""

import contextlib
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import phonenumbers

from models.custom_values import from_stored
from models.field_definition import FieldDefinition, FieldType
from models.phones import phone_key
from models.polish_order import polish_sort_key
from models.sortable import encode_date, encode_flag, encode_number, encode_text, entry

_WORDS = re.compile(r"[^\W_]+")

# Native filterable values: the API name of the filter, and how the document holds it.
CONTACT_NATIVE_KEYS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "country": "address.country",
    "region": "address.region",
    "city": "address.city",
    "postalCode": "address.postal_code",
}
CONTACT_ID_KEYS = {
    "stageId": "stage_id",
    "positionId": "position_id",
    "acquisitionSourceId": "acquisition_source_id",
    "organizationId": "organization_id",
    "segmentId": "segment.definition.id",
}
ORGANIZATION_NATIVE_KEYS = {
    "name": "name",
    "taxId": "tax_id",
    "regon": "regon",
    "website": "website",
    "country": "address.country",
    "region": "address.region",
    "city": "address.city",
    "postalCode": "address.postal_code",
}


def native_key(name: str) -> str:
    """The ``sk`` key of a native filter: ``_`` first, which no custom key starts with."""
    return f"_{name}"


def encode_timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def encode_value(field_type: FieldType, value: Any) -> str:
    """The order-preserving encoding of one (API-form) value of a custom field."""
    match field_type:
        case FieldType.DECIMAL | FieldType.INTEGER:
            return encode_number(value)
        case FieldType.DATE:
            return encode_date(value)
        case FieldType.FLAG:
            return encode_flag(value)
        case _:
            return encode_text(value)


def _get(document: Mapping[str, Any], dotted: str) -> Any:
    value: Any = document
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _custom_entries(custom: Mapping[str, Any], definitions: Iterable[FieldDefinition]) -> list[str]:
    entries = []
    for definition in definitions:
        value = from_stored(definition.type, custom.get(definition.key))
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                entries.append(entry(definition.key, encode_value(definition.type, item)))
    return entries


def words(text: str) -> list[str]:
    """The words of ``text`` as ``kw`` holds them; the ``search`` of a list splits the same way,
    so "jan.kow" or "+48500000001" meet the words of "jan.kowalski@…" and "+48 500 000 001"."""
    return _WORDS.findall(encode_text(text))


def search_words(text: str) -> list[str]:
    """The words of a list's ``search``: :func:`words`, but digit groups written one after the
    other are one number, as a phone is typed ("+48 501 234 567", "0048 (22) 123-45-67"), and
    its international ``00`` goes, as ``kw`` holds phones without it."""
    merged: list[str] = []
    after_digits = False
    for word in words(text):
        if word.isdigit() and after_digits:
            merged[-1] += word
        else:
            merged.append(word)
        after_digits = word.isdigit()
    return [w.removeprefix("00") if w.isdigit() and len(w) > 2 else w for w in merged]


def _words(*texts: str | None) -> set[str]:
    return {word for text in texts if text for word in words(text)}


def _phone_words(numbers: Iterable[str]) -> set[str]:
    words = set()
    for number in numbers:
        words.add(number.lstrip("+"))
        with contextlib.suppress(phonenumbers.NumberParseException):
            words.add(phonenumbers.national_significant_number(phonenumbers.parse(number)))
    return words


def derive(
    document: Mapping[str, Any],
    *,
    definitions: Iterable[FieldDefinition],
    native_keys: Mapping[str, str],
    id_keys: Mapping[str, str] | None = None,
    sort_name: str,
    search_texts: Iterable[str | None],
) -> dict[str, Any]:
    """The derived keys of ``document`` (a stored-shape dict): name_sort, sk, uniq, kw,
    phone_keys. ``uniq`` is absent when no unique field has a value."""
    definitions = list(definitions)
    custom = document.get("custom") or {}
    numbers = [phone["number"] for phone in document.get("phones") or []]
    sk: list[str] = []
    for name, path in native_keys.items():
        value = _get(document, path)
        if value:
            sk.append(entry(native_key(name), encode_text(value)))
    for name, path in (id_keys or {}).items():
        value = _get(document, path)
        if value is not None:
            sk.append(entry(native_key(name), str(value)))
    sk.extend(entry(native_key("phone"), number) for number in numbers)
    sk.extend(entry(native_key("tags"), encode_text(tag)) for tag in document.get("tags") or [])
    sk.extend(entry(native_key("emails"), encode_text(e)) for e in document.get("emails") or [])
    for name in ("created_at", "updated_at"):
        if document.get(name) is not None:
            camel = "createdAt" if name == "created_at" else "updatedAt"
            sk.append(entry(native_key(camel), encode_timestamp(document[name])))
    sk.extend(_custom_entries(custom, (d for d in definitions if d.searchable)))
    uniq = _custom_entries(custom, (d for d in definitions if d.unique))
    derived: dict[str, Any] = {
        "name_sort": polish_sort_key(sort_name),
        "sk": sorted(set(sk)),
        "kw": sorted(_words(*search_texts) | _phone_words(numbers)),
        "phone_keys": sorted({key for number in numbers if (key := phone_key(number))}),
    }
    if uniq:
        derived["uniq"] = sorted(set(uniq))
    return derived


def searched_organization_name(organization: Mapping[str, Any] | None) -> str | None:
    """The organization name a contact is found by: none for a deleted organization, which
    contacts no longer show (restoring it brings the name back)."""
    if organization is None or organization.get("deleted"):
        return None
    return organization.get("name")


def derive_contact(
    document: Mapping[str, Any],
    definitions: Iterable[FieldDefinition],
    organization_name: str | None,
) -> dict[str, Any]:
    email = document.get("email")
    return derive(
        document,
        definitions=definitions,
        native_keys=CONTACT_NATIVE_KEYS,
        id_keys=CONTACT_ID_KEYS,
        sort_name=f"{document.get('last_name', '')} {document.get('first_name', '')}",
        search_texts=[
            document.get("first_name"),
            document.get("last_name"),
            email,
            email.split("@")[0] if email else None,
            organization_name,
        ],
    )


def derive_organization(
    document: Mapping[str, Any], definitions: Iterable[FieldDefinition]
) -> dict[str, Any]:
    return derive(
        document,
        definitions=definitions,
        native_keys=ORGANIZATION_NATIVE_KEYS,
        sort_name=document.get("name", ""),
        search_texts=[
            document.get("name"),
            *(document.get("emails") or []),
            document.get("tax_id"),
        ],
    )
