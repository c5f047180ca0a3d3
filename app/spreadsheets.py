"""Reading imported files and writing exported ones.

Readers: xlsx, xls and ods through calamine (Rust; many times faster than openpyxl), CSV through
the standard library (UTF-8 with or without a BOM, the delimiter ``;``, ``,`` or a tab found from
the header line). Rows are handed out one at a time. calamine parses the whole sheet into compact
native memory first (about 1.4 KB per row of 16 columns, measured); the Python objects of one row
exist only while it is processed. Opening is blocking: call :func:`open_sheet` in a thread.

Writers: xlsx through xlsxwriter in its constant-memory mode, CSV with a BOM and ``;`` (what a
Polish Excel opens as columns), both streaming rows to the file.
"""

import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import python_calamine
import xlsxwriter

from models.import_job import FileKind
from models.import_values import cell_text, is_blank

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted xlsx is an OLE2 container holding these streams (MS-OFFCRYPTO).
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_CSV_DELIMITERS = (";", ",", "\t")
_MAX_SAFE_FLOAT_INTEGER = 2**53
CSV_DELIMITER = ";"


class SpreadsheetError(ValueError):
    """The file cannot be read as a spreadsheet; the message says why, for a person."""


class SheetNotFound(SpreadsheetError):
    def __init__(self, name: str, names: list[str]) -> None:
        super().__init__(f"No sheet named '{name}'; the file has: {', '.join(names)}.")


def detect_kind(path: Path) -> FileKind:
    """What the file is, from its content (not its name)."""
    with path.open("rb") as file:
        head = file.read(8)
        if head.startswith(_ZIP_MAGIC):
            return _zip_kind(path)
        if head.startswith(_OLE2_MAGIC):
            file.seek(0)
            if _ENCRYPTION_STREAM in file.read(1 << 20):
                raise SpreadsheetError(
                    "The file is encrypted (password-protected): save it without a password."
                )
            return FileKind.XLS
    return FileKind.CSV


def _zip_kind(path: Path) -> FileKind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").startswith(_ODS_MIMETYPE):
                return FileKind.ODS
    except (zipfile.BadZipFile, OSError) as error:
        raise SpreadsheetError(f"The file is damaged: {error}.") from error
    if "xl/workbook.xml" in names:
        return FileKind.XLSX
    raise SpreadsheetError("The file is a ZIP archive, not a spreadsheet (xlsx, ods).")


@dataclass
class SheetReader:
    """An open sheet: its header, how many rows follow it, and those rows with the numbers a
    spreadsheet shows (the header's is usually 1)."""

    headers: list[str]
    header_row: int
    total: int
    _rows: Iterator[list[Any]]
    _close: list[Any] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """The rows below the header; entirely blank ones too (they are counted, not used)."""
        return enumerate(self._rows, start=self.header_row + 1)

    def close(self) -> None:
        for closing in self._close:
            closing()
        self._close.clear()


def open_sheet(path: Path, kind: FileKind, sheet: str | None = None) -> SheetReader:
    """Opens the named sheet (the first visible worksheet when None). Blocking."""
    if kind is FileKind.CSV:
        return _open_csv(path)
    return _open_workbook(path, sheet)


def _first_non_blank(rows: Iterator[list[Any]]) -> tuple[int, list[Any]] | None:
    for number, row in enumerate(rows, start=1):
        if not all(is_blank(cell) for cell in row):
            return number, row
    return None


def _open_workbook(path: Path, sheet: str | None) -> SheetReader:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as error:
        raise SpreadsheetError(
            "The file is encrypted (password-protected): save it without a password."
        ) from error
    except Exception as error:  # calamine reports damage with several error types
        raise SpreadsheetError(f"The file is damaged or not a spreadsheet: {error}.") from error
    try:
        names = [
            m.name
            for m in workbook.sheets_metadata
            if m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if sheet is not None and sheet not in workbook.sheet_names:
            raise SheetNotFound(sheet, names)
        if sheet is None and not names:
            raise SpreadsheetError("The file has no worksheet.")
        try:
            loaded = workbook.get_sheet_by_name(sheet or names[0])
        except Exception as error:
            raise SpreadsheetError(f"The file is damaged: {error}.") from error
    except BaseException:
        workbook.close()
        raise
    rows = loaded.iter_rows()
    found = _first_non_blank(rows)
    if found is None:
        workbook.close()
        raise SpreadsheetError("The sheet is empty: the first row must name the columns.")
    header_row, header = found
    end = loaded.end
    last_row = end[0] + 1 if end is not None else header_row
    return SheetReader(
        headers=[cell_text(cell) for cell in header],
        header_row=header_row,
        total=max(0, last_row - header_row),
        _rows=rows,
        _close=[workbook.close],
    )


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _CSV_DELIMITERS}
    best = max(_CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(path: Path, delimiter: str) -> tuple[Any, Iterator[list[str]]]:
    file = path.open(encoding="utf-8-sig", newline="")
    rows = csv.reader(file, delimiter=delimiter)
    return file, ([csv_unescaped(cell) for cell in row] for row in rows)


def _open_csv(path: Path) -> SheetReader:
    """Reads the file once to check that it is UTF-8 text and to count its rows."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            first_line = file.readline()
            delimiter = _delimiter(first_line)
            file.seek(0)
            records = csv.reader(file, delimiter=delimiter)
            found = _first_non_blank(records)
            rows_after = sum(1 for _ in records)
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            "The file is neither a spreadsheet (xlsx, xls, ods) nor a UTF-8 CSV file."
        ) from error
    except csv.Error as error:
        raise SpreadsheetError(f"The file is not a readable CSV file: {error}.") from error
    if found is None:
        raise SpreadsheetError("The file is empty: the first row must name the columns.")
    header_row, header = found
    file, records = _csv_rows(path, delimiter)
    for _ in range(header_row):
        next(records)
    return SheetReader(
        headers=[cell.strip() for cell in header],
        header_row=header_row,
        total=rows_after,
        _rows=records,
        _close=[file.close],
    )


# Writers


def _exact_float(number: Decimal) -> float | None:
    """The float holding exactly ``number``'s value, if there is one (else it is written as
    text, so that nothing is rounded)."""
    as_float = float(number)
    return as_float if Decimal(repr(as_float)) == number else None


class XlsxWriter:
    """Writes rows (cells: None, str, bool, int, Decimal, float, date) to an xlsx file, holding
    one row in memory at a time."""

    def __init__(self, path: Path, header: list[str], sheet: str = "Kontakty") -> None:
        self._workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self._sheet = self._workbook.add_worksheet(sheet)
        self._day = self._workbook.add_format({"num_format": "yyyy-mm-dd"})
        self._sheet.write_row(0, 0, header, self._workbook.add_format({"bold": True}))
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


# A cell that a spreadsheet program would run as a formula (CSV injection): it starts with "=" or
# "@", or with "+" or "-" and holds more than a number or a phone does. A CSV written here keeps
# such a text a text with a leading "'", and reading a CSV takes the "'" off again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-][\d\s().,/+-]*")


def _escaped(text: str) -> str:
    """A text that starts with "'" gets one more, so that reading takes off only ours."""
    formula = text.startswith(_FORMULA_STARTS) and not _SIGNED_NUMBER.fullmatch(text)
    return f"'{text}" if formula or text.startswith("'") else text


def csv_unescaped(text: str) -> str:
    """A CSV cell as it was before :func:`csv_text` escaped it."""
    return text[1:] if text.startswith("'") and _escaped(text[1:]) == text else text


def csv_text(cell: Any) -> str:
    """A cell as a CSV written here holds it: decimal comma, ISO dates, TAK/NIE, formulas
    escaped."""
    if isinstance(cell, Decimal):
        return format(cell, "f").replace(".", ",")
    return _escaped(cell_text(cell))


class CsvWriter:
    """Writes rows to a CSV file with a BOM and ``;``, as :func:`csv_text` renders cells."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file, delimiter=CSV_DELIMITER, lineterminator="\r\n")
        self._writer.writerow(header)
        self.rows = 0

    def write(self, row: list[Any]) -> None:
        self.rows += 1
        self._writer.writerow([csv_text(cell) for cell in row])

    def close(self) -> None:
        self._file.close()
