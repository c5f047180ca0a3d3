"""The filter inputs of one value, by kind of value: shared by native and custom fields."""

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import UNSET

from models.field_definition import FieldType


@strawberry.input(description="Text: compared without regard to case, accents and spacing.")
class TextFilter:
    eq: str | None = UNSET
    ne: str | None = UNSET
    in_: list[str] | None = strawberry.field(name="in", default=UNSET)
    starts_with: str | None = UNSET
    exists: bool | None = UNSET


@strawberry.input
class IntFilter:
    eq: int | None = UNSET
    ne: int | None = UNSET
    in_: list[int] | None = strawberry.field(name="in", default=UNSET)
    gt: int | None = UNSET
    gte: int | None = UNSET
    lt: int | None = UNSET
    lte: int | None = UNSET
    exists: bool | None = UNSET


@strawberry.input
class DecimalFilter:
    eq: Decimal | None = UNSET
    ne: Decimal | None = UNSET
    in_: list[Decimal] | None = strawberry.field(name="in", default=UNSET)
    gt: Decimal | None = UNSET
    gte: Decimal | None = UNSET
    lt: Decimal | None = UNSET
    lte: Decimal | None = UNSET
    exists: bool | None = UNSET


@strawberry.input
class DateFilter:
    eq: date | None = UNSET
    ne: date | None = UNSET
    in_: list[date] | None = strawberry.field(name="in", default=UNSET)
    gt: date | None = UNSET
    gte: date | None = UNSET
    lt: date | None = UNSET
    lte: date | None = UNSET
    exists: bool | None = UNSET


@strawberry.input
class DateTimeFilter:
    gt: datetime | None = UNSET
    gte: datetime | None = UNSET
    lt: datetime | None = UNSET
    lte: datetime | None = UNSET


@strawberry.input
class FlagFilter:
    eq: bool | None = UNSET
    exists: bool | None = UNSET


@strawberry.input(description="A list of values: any of, or all of, the given ones.")
class ListFilter:
    has_any: list[str] | None = UNSET
    has_all: list[str] | None = UNSET
    exists: bool | None = UNSET


@strawberry.input
class IdFilter:
    eq: strawberry.ID | None = UNSET
    ne: strawberry.ID | None = UNSET
    in_: list[strawberry.ID] | None = strawberry.field(name="in", default=UNSET)
    exists: bool | None = UNSET


FILTER_FOR_TYPE: dict[FieldType, type] = {
    FieldType.TEXT: TextFilter,
    FieldType.LONG_TEXT: TextFilter,
    FieldType.URL: TextFilter,
    FieldType.SELECT: TextFilter,
    FieldType.MULTI_SELECT: ListFilter,
    FieldType.DECIMAL: DecimalFilter,
    FieldType.INTEGER: IntFilter,
    FieldType.DATE: DateFilter,
    FieldType.FLAG: FlagFilter,
}
