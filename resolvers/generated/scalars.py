"""Scalars of custom field values."""

from datetime import date
from decimal import Decimal, DecimalException
from typing import NewType

import strawberry
from bson.decimal128 import Decimal128
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from models.field_definition import FieldType
from models.values import is_valid_url

# Decimal128's largest coefficient and exponents, written out, fit in well under this.
MAX_DECIMAL_TEXT = 100


def _parse_url(value: object) -> str:
    if not isinstance(value, str) or not is_valid_url(value.strip()):
        raise ValueError("Must be an absolute http or https URL.")
    return value.strip()


def _parse_decimal(value: object) -> Decimal:
    """A number Decimal128 holds exactly, as every decimal is stored and compared: a value that
    would overflow, underflow or round (or NaN, Infinity) is refused before any resolver."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("Must be a number or a string of one.")
    text = str(value)
    if len(text) > MAX_DECIMAL_TEXT:
        raise ValueError(f"At most {MAX_DECIMAL_TEXT} characters.")
    try:
        number = Decimal(text)
    except DecimalException as error:
        raise ValueError("Must be a number.") from error
    if not number.is_finite():
        raise ValueError("Must be a finite number.")
    try:
        Decimal128(number)
    except DecimalException as error:
        raise ValueError(
            "Must fit a 128-bit decimal: at most 34 significant digits, from 1E-6176 to below "
            "1E+6145."
        ) from error
    return number


def _parse_decimal_literal(node: ValueNode, _variables: object = None) -> Decimal:
    """A literal as written: through a float, 1e-999999 would be 0 and 0.1000000000000000001
    would lose digits."""
    if not isinstance(node, IntValueNode | FloatValueNode | StringValueNode):
        raise ValueError("Must be a number or a string of one.")
    return _parse_decimal(node.value)


def _parse_upload(value: object) -> UploadFile:
    """Strawberry's Upload takes any value, so a string sent as JSON reached the resolvers."""
    if not isinstance(value, UploadFile):
        raise ValueError("Must be a file part of a multipart request.")
    return value


URL = NewType("URL", str)

SCALAR_MAP = {
    URL: strawberry.scalar(
        name="URL",
        description="An absolute http or https URL.",
        serialize=str,
        parse_value=_parse_url,
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description="Decimal (fixed-point)",
        serialize=str,
        parse_value=_parse_decimal,
        parse_literal=_parse_decimal_literal,
    ),
    Upload: strawberry.scalar(
        name="Upload",
        description="Represents a file upload.",
        serialize=lambda value: value,
        parse_value=_parse_upload,
    ),
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
