"""Custom field values: checking and converting what the API receives into what is stored.

Values are stored in their BSON types: decimals as Decimal128, dates as UTC midnights (BSON has
no date type), multi-selects as arrays. An empty value (``None``, ``""``, ``[]``) means "not set"
and is not stored at all.
"""

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bson.decimal128 import Decimal128

from models.field_definition import FieldDefinition, FieldType
from models.values import is_valid_url

MAX_TEXT_LENGTH = 1_000
MAX_LONG_TEXT_LENGTH = 100_000
INT64 = 2**63
# Decimal128 holds 34 significant digits.
MAX_DECIMAL_DIGITS = 34


class InvalidValue(ValueError):
    """The message says, for a person, what is wrong with the value."""


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidValue("Must be text.")
    if len(value) > limit:
        raise InvalidValue(f"At most {limit} characters.")
    return value.strip()


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise InvalidValue("Must be a number.")
    try:
        number = (
            Decimal(str(value).strip().replace(",", "."))
            if isinstance(value, str)
            else (Decimal(value))
        )
    except (InvalidOperation, TypeError, ValueError) as error:
        raise InvalidValue("Must be a number.") from error
    if not number.is_finite():
        raise InvalidValue("Must be a finite number.")
    if len(number.as_tuple().digits) > MAX_DECIMAL_DIGITS:
        raise InvalidValue(f"At most {MAX_DECIMAL_DIGITS} significant digits.")
    return number


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidValue("Must be a whole number.")
    if isinstance(value, int):
        number = value
    else:
        decimal = _decimal(value)
        if decimal != decimal.to_integral_value():
            raise InvalidValue("Must be a whole number.")
        number = int(decimal)
    if not -INT64 <= number < INT64:
        raise InvalidValue("Out of range.")
    return number


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue("Must be true or false.")
    return value


def _date(value: Any) -> datetime:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as error:
            raise InvalidValue("Must be a date, YYYY-MM-DD.") from error
    if not isinstance(value, date):
        raise InvalidValue("Must be a date, YYYY-MM-DD.")
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _url(value: Any) -> str:
    url = _text(value, MAX_TEXT_LENGTH)
    if not is_valid_url(url):
        raise InvalidValue("Must be an absolute http or https URL.")
    return url


def _select(value: Any, options: list[str]) -> str:
    if value not in options:
        raise InvalidValue(f"Must be one of: {', '.join(options)}.")
    return value


def _multi_select(value: Any, options: list[str]) -> list[str]:
    if not isinstance(value, list):
        raise InvalidValue("Must be a list of options.")
    for item in value:
        _select(item, options)
    return list(dict.fromkeys(value))


def to_stored(definition: FieldDefinition, value: Any) -> Any:
    """The stored form of ``value`` (None: not set), or :class:`InvalidValue`."""
    if is_empty(value):
        return None
    match definition.type:
        case FieldType.TEXT:
            stored: Any = _text(value, MAX_TEXT_LENGTH)
        case FieldType.LONG_TEXT:
            stored = _text(value, MAX_LONG_TEXT_LENGTH)
        case FieldType.URL:
            stored = _url(value)
        case FieldType.SELECT:
            stored = _select(value, definition.options)
        case FieldType.MULTI_SELECT:
            stored = _multi_select(value, definition.options)
        case FieldType.DECIMAL:
            stored = Decimal128(_decimal(value))
        case FieldType.INTEGER:
            stored = _integer(value)
        case FieldType.FLAG:
            stored = _flag(value)
        case FieldType.DATE:
            stored = _date(value)
    return None if is_empty(stored) else stored


def from_stored(field_type: FieldType, stored: Any) -> Any:
    """The API form of a stored value."""
    if stored is None:
        return None
    match field_type:
        case FieldType.DECIMAL:
            return stored.to_decimal() if isinstance(stored, Decimal128) else Decimal(stored)
        case FieldType.DATE:
            return stored.date() if isinstance(stored, datetime) else stored
        case _:
            return stored


def convert(stored: Any, source: FieldDefinition, target: FieldDefinition) -> Any:
    """A stored value of ``source`` re-read as ``target`` (a type change), or InvalidValue."""
    value = from_stored(source.type, stored)
    if target.type in (FieldType.TEXT, FieldType.LONG_TEXT) and not isinstance(value, str):
        value = ", ".join(value) if isinstance(value, list) else str(value)
    if target.type is FieldType.MULTI_SELECT and isinstance(value, str):
        value = [value]
    if target.type is FieldType.SELECT and isinstance(value, list) and len(value) == 1:
        value = value[0]
    return to_stored(target, value)
