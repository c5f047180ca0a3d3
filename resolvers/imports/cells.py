"""Reads one row of a file into the values of the fields its columns fill (models.import_values
does the reading of each cell); a cell that cannot be read is a problem of the row."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.field_definition import FieldDefinition, FieldType
from models.import_columns import ImportColumnSpec
from models.import_job import ColumnPlan, RowProblem
from models.import_values import (
    CellError,
    cell_text,
    is_blank,
    to_date,
    to_decimal,
    to_flag,
    to_integer,
    to_list,
    to_option,
    to_options,
    to_text,
)

Reader = Callable[[Any], Any]
LIST_FIELDS = frozenset({"phones", "tags"})


def _custom_reader(definition: FieldDefinition) -> Reader:
    match definition.type:
        case FieldType.DECIMAL:
            return to_decimal
        case FieldType.INTEGER:
            return to_integer
        case FieldType.FLAG:
            return to_flag
        case FieldType.DATE:
            return to_date
        case FieldType.SELECT:
            return lambda cell: to_option(cell, definition.options)
        case FieldType.MULTI_SELECT:
            return lambda cell: to_options(cell, definition.options)
        case _:
            return to_text


def reader_of(column: ImportColumnSpec) -> Reader:
    if column.definition is not None:
        return _custom_reader(column.definition)
    return to_list if column.field in LIST_FIELDS else to_text


@dataclass
class ParsedRow:
    number: int
    cells: list[Any]
    # field -> the value the API would take; only fields with a non-blank cell
    values: dict[str, Any] = field(default_factory=dict)
    # field -> (column header, cell text): where a problem with the field is reported
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return all(is_blank(cell) for cell in self.cells)

    def problem(self, field_name: str | None, message: str) -> None:
        header, text = self.sources.get(field_name, (None, None)) if field_name else (None, None)
        self.problems.append(RowProblem(column=header, value=text or None, message=message))


@dataclass(frozen=True)
class RowReader:
    """How the columns of one file are read."""

    plans: Sequence[ColumnPlan]
    columns: dict[str, ImportColumnSpec]

    def read(self, number: int, cells: list[Any]) -> ParsedRow:
        row = ParsedRow(number, cells)
        for plan in self.plans:
            if plan.field is None:
                continue
            if plan.index >= len(cells) or is_blank(cells[plan.index]):
                row.sources.setdefault(plan.field, (plan.header, ""))
                continue
            column = self.columns[plan.field]
            cell = cells[plan.index]
            text = cell_text(cell)
            if plan.field in row.values:  # a second column of a multi-valued field
                header, before = row.sources[plan.field]
                row.sources[plan.field] = (f"{header}, {plan.header}", f"{before}, {text}")
            else:
                row.sources[plan.field] = (plan.header, text)
            try:
                value = reader_of(column)(cell)
            except CellError as error:
                row.problem(plan.field, str(error))
                continue
            if column.multi and plan.field in row.values:
                value = [*row.values[plan.field], *value]
            row.values[plan.field] = value
        return row
