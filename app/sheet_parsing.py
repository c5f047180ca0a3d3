"""Parsing an imported file: run only in the reader's child process (app/sheet_child.py).

xlsx, xls and ods through calamine (Rust; many times faster than openpyxl), CSV through the
standard library (UTF-8 with or without a BOM, the delimiter ``;``, ``,`` or a tab found from the
header line). calamine parses the whole sheet into native memory first (about 1.6 KB per row of
16 columns, measured), which is why a hostile file must never reach it in the service process.
At upload every row is checked against the bounds (app/sheet_limits.py) before the header is
answered, so that a file is refused then, not halfway through its job; the job's reading checks
each row as it is sent (app/sheet_child.py).
"""

import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import python_calamine

from app.csv_escaping import csv_unescaped
from app.sheet_limits import (
    MAX_CELL_CHARS,
    SpreadsheetError,
    check_archive,
    check_area,
    check_dimension,
    check_row,
    sheet_not_found,
    too_large,
)
from models.import_values import cell_text, is_blank

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted xlsx is an OLE2 container holding these streams (MS-OFFCRYPTO).
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_CSV_DELIMITERS = (";", ",", "\t")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([^"]*)"')
_DIMENSION_WITHIN = 1 << 16  # the element comes before the rows
ENCRYPTED = "The file is encrypted (password-protected): save it without a password."


@dataclass
class ParsedSheet:
    """A sheet; ``records`` gives its rows from the first, anew at each call (the header is row
    ``header_row``)."""

    kind: str
    headers: list[str]
    header_row: int
    total: int
    records: Callable[[], Iterator[list[Any]]]


def parse(path: Path, kind: str | None, sheet: str | None, check_all: bool) -> ParsedSheet:
    """The named sheet (the first visible worksheet when None) of a file of ``kind`` (found from
    the content when None); ``check_all``: every row is checked now (a CSV's always is, as its
    rows are counted)."""
    kind = kind or detect_kind(path)
    if kind == "csv":
        return _open_csv(path)
    if kind in ("xlsx", "ods"):
        _archive_names(path)
    return _open_workbook(path, kind, sheet, check_all)


def detect_kind(path: Path) -> str:
    """What the file is, from its content (not its name)."""
    with path.open("rb") as file:
        head = file.read(8)
        if head.startswith(_ZIP_MAGIC):
            return _zip_kind(path)
        if head.startswith(_OLE2_MAGIC):
            file.seek(0)
            if _ENCRYPTION_STREAM in file.read(1 << 20):
                raise SpreadsheetError(ENCRYPTED)
            return "xls"
    return "csv"


def _archive_names(path: Path) -> set[str]:
    """The members of a zip whose declared sizes are within the bounds (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive)
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as error:
        raise SpreadsheetError(f"The file is damaged: {error}.") from error


def _zip_kind(path: Path) -> str:
    names = _archive_names(path)
    if "mimetype" in names:
        with zipfile.ZipFile(path) as archive, archive.open("mimetype") as member:
            if member.read(len(_ODS_MIMETYPE)) == _ODS_MIMETYPE:
                return "ods"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise SpreadsheetError("The file is a ZIP archive, not a spreadsheet (xlsx, ods).")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xlsx_sheet_member(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member of the worksheet named ``name`` (workbook.xml and its relationships)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relation = next(
        (
            value
            for element in workbook.iter()
            if _local(element.tag) == "sheet" and element.get("name") == name
            for key, value in element.attrib.items()
            if _local(key) == "id"
        ),
        None,
    )
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(
        (e.get("Target") for e in relations.iter() if e.get("Id") == relation),
        None,
    )
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _check_declared_dimension(path: Path, name: str) -> None:
    """Refuses a worksheet whose declared range is beyond the bounds before calamine allocates
    it (the common case of a cell at XFD1048576; a file that does not declare it meets the
    child's memory limit instead)."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _xlsx_sheet_member(archive, name)
            if member is None or member not in archive.namelist():
                return
            with archive.open(member) as stream:
                head = stream.read(_DIMENSION_WITHIN)
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError):
        return  # calamine says what is damaged
    found = _DIMENSION.search(head)
    if found is not None:
        check_dimension(found[1].decode("ascii", "replace"))


def _first_non_blank(rows: Iterator[list[Any]]) -> tuple[int, list[Any]] | None:
    for number, row in enumerate(rows, start=1):
        if not all(is_blank(cell) for cell in row):
            return number, row
    return None


def _checked_count(records: Iterator[list[Any]]) -> int:
    """How many rows there are, each within the bounds."""
    count = 0
    for count, row in enumerate(records, start=1):
        check_row(count, row)
    return count


def _open_workbook(path: Path, kind: str, sheet: str | None, check_all: bool) -> ParsedSheet:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as error:
        raise SpreadsheetError(ENCRYPTED) from error
    except Exception as error:  # calamine reports damage with several error types
        raise SpreadsheetError(f"The file is damaged or not a spreadsheet: {error}.") from error
    try:
        names = [
            m.name
            for m in workbook.sheets_metadata
            if m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if sheet is not None and sheet not in workbook.sheet_names:
            raise sheet_not_found(sheet, names)
        if sheet is None and not names:
            raise SpreadsheetError("The file has no worksheet.")
        chosen = sheet or names[0]
        if kind == "xlsx":
            _check_declared_dimension(path, chosen)
        try:
            loaded = workbook.get_sheet_by_name(chosen)
        except Exception as error:
            raise SpreadsheetError(f"The file is damaged: {error}.") from error
        check_area(loaded.height, loaded.width)
        found = _first_non_blank(loaded.iter_rows())
        if found is None:
            raise SpreadsheetError("The sheet is empty: the first row must name the columns.")
        header_row, header = found
        check_row(header_row, header)
        if check_all:
            _checked_count(loaded.iter_rows())
    except BaseException:
        workbook.close()
        raise
    end = loaded.end
    last_row = end[0] + 1 if end is not None else header_row
    return ParsedSheet(
        kind=kind,
        headers=[cell_text(cell) for cell in header],
        header_row=header_row,
        total=max(0, last_row - header_row),
        records=loaded.iter_rows,
    )


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in _CSV_DELIMITERS}
    best = max(_CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(path: Path, delimiter: str) -> Iterator[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        for row in csv.reader(file, delimiter=delimiter):
            yield [csv_unescaped(cell) for cell in row]


def _open_csv(path: Path) -> ParsedSheet:
    """Reads the file once to check that it is UTF-8 text within the bounds, and to count its
    rows."""
    # The child's own csv module: a longer field is refused before it is held (+1: the "'" of
    # an escaped text).
    csv.field_size_limit(MAX_CELL_CHARS + 1)
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            delimiter = _delimiter(file.readline())
        found = _first_non_blank(_csv_records(path, delimiter))
        count = _checked_count(_csv_records(path, delimiter))
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            "The file is neither a spreadsheet (xlsx, xls, ods) nor a UTF-8 CSV file."
        ) from error
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise too_large(f"a cell holds more than {MAX_CELL_CHARS:,} characters") from error
        raise SpreadsheetError(f"The file is not a readable CSV file: {error}.") from error
    if found is None:
        raise SpreadsheetError("The file is empty: the first row must name the columns.")
    header_row, header = found
    return ParsedSheet(
        kind="csv",
        headers=[cell_text(cell) for cell in header],
        header_row=header_row,
        total=count - header_row,
        records=lambda: _csv_records(path, delimiter),
    )
