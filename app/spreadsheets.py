"""Reading imported files and writing exported ones.

Reading is done by a child process under resource limits (app/sheet_reading.py): :func:`open_sheet`
is re-exported here for its callers.

Writers: xlsx through xlsxwriter in its constant-memory mode, CSV with a BOM and ``;`` (what a
Polish Excel opens as columns), both streaming rows to the file. Every cell, the header too, is
written as a typed value: a text is never a formula (CSV injection, app/csv_escaping.py).
"""

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from app.csv_escaping import csv_text, csv_unescaped
from app.sheet_reading import SheetReader, open_sheet

__all__ = [
    "CSV_DELIMITER",
    "CsvWriter",
    "SheetReader",
    "XlsxWriter",
    "csv_text",
    "csv_unescaped",
    "open_sheet",
]

_MAX_SAFE_FLOAT_INTEGER = 2**53
CSV_DELIMITER = ";"


def _exact_float(number: Decimal) -> float | None:
    """The float holding exactly ``number``'s value, if there is one (else it is written as
    text, so that nothing is rounded)."""
    as_float = float(number)
    return as_float if Decimal(repr(as_float)) == number else None


class XlsxWriter:
    """Writes rows (cells: None, str, bool, int, Decimal, float, date) to an xlsx file, holding
    one row in memory at a time."""

    def __init__(self, path: Path, header: list[str], sheet: str = "Kontakty") -> None:
        self._workbook = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        self._sheet = self._workbook.add_worksheet(sheet)
        self._day = self._workbook.add_format({"num_format": "yyyy-mm-dd"})
        bold = self._workbook.add_format({"bold": True})
        for column, name in enumerate(header):
            self._sheet.write_string(0, column, name, bold)
        self.rows = 0

    def write(self, row: list[Any]) -> None:
        self.rows += 1
        for column, cell in enumerate(row):
            _write_cell(self._sheet, self.rows, column, cell, self._day)

    def close(self) -> None:
        self._workbook.close()


def _write_cell(worksheet: Any, row: int, column: int, cell: Any, day: Any) -> None:
    if cell is None or cell == "":
        return
    if isinstance(cell, bool):
        worksheet.write_boolean(row, column, cell)
    elif isinstance(cell, int) and abs(cell) < _MAX_SAFE_FLOAT_INTEGER:
        worksheet.write_number(row, column, cell)
    elif isinstance(cell, Decimal) and (exact := _exact_float(cell)) is not None:
        worksheet.write_number(row, column, exact)
    elif isinstance(cell, float):
        worksheet.write_number(row, column, cell)
    elif isinstance(cell, date):
        moment = cell if isinstance(cell, datetime) else datetime(cell.year, cell.month, cell.day)
        worksheet.write_datetime(row, column, moment, day)
    else:  # text is always written as text: never read as a formula or a number
        worksheet.write_string(row, column, str(cell))


class CsvWriter:
    """Writes rows to a CSV file with a BOM and ``;``, as :func:`csv_text` renders cells."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file, delimiter=CSV_DELIMITER, lineterminator="\r\n")
        self._writer.writerow([csv_text(name) for name in header])
        self.rows = 0

    def write(self, row: list[Any]) -> None:
        self.rows += 1
        self._writer.writerow([csv_text(cell) for cell in row])

    def close(self) -> None:
        self._file.close()
