"""Scalars of custom field values."""

from datetime import date
from decimal import Decimal
from typing import NewType

import strawberry

from models.field_definition import FieldType
from models.values import is_valid_url


def _parse_url(value: object) -> str:
    if not isinstance(value, str) or not is_valid_url(value.strip()):
        raise ValueError("Must be an absolute http or https URL.")
    return value.strip()


URL = NewType("URL", str)

SCALAR_MAP = {
    URL: strawberry.scalar(
        name="URL",
        description="An absolute http or https URL.",
        serialize=str,
        parse_value=_parse_url,
    )
}

SCALAR_FOR_TYPE: dict[FieldType, object] = {
    FieldType.TEXT: str,
    FieldType.LONG_TEXT: str,
    FieldType.URL: URL,
    FieldType.SELECT: str,
    FieldType.MULTI_SELECT: list[str],
    FieldType.DECIMAL: Decimal,
    FieldType.INTEGER: int,
    FieldType.DATE: date,
    FieldType.FLAG: bool,
}
