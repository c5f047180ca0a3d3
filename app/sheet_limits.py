"""How large an imported file may be, and the cheap checks made before a reader allocates.

A spreadsheet says how large it is (a zip member's uncompressed size, a sheet's dimension) and an
allocating reader believes it: a 2 KB xlsx declaring a cell at XFD1048576 made calamine ask for
512 GiB, and a 1 MB xlsx unpacked to a 1,000 MiB shared string. These checks refuse what is
declared too large; the limits of the reader's child process (app/sheet_reading.py) catch what
lies about its size. Nothing here imports the models: the child imports this module.
"""

import re
import zipfile
from dataclasses import dataclass
from typing import Any

MB = 1 << 20
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 32_767  # what Excel itself allows in a cell
MAX_ROW_CHARS = 200_000  # a batch of 500 rows stays within 100 M characters
# The sheet's area (rows x columns) a reader allocates at once: e.g. 1,000,000 rows of 20 columns.
MAX_CELLS = 20_000_000
MAX_MEMBER_BYTES = 200 * MB
MAX_ARCHIVE_BYTES = 500 * MB
MAX_RATIO = 100  # compression ratio of a member over RATIO_FROM_BYTES unpacked
RATIO_FROM_BYTES = 10 * MB
TOO_LARGE = "The file is larger than the import allows: "
# Rows per message of the reader: one JSON text for many rows encodes and decodes about twice as
# fast; a message ends sooner once its rows hold MAX_ROW_CHARS characters.
BATCH_ROWS = 500
_CELL_REFERENCE = re.compile(r"\$?([A-Z]{1,4})\$?([0-9]{1,8})")


class SpreadsheetError(ValueError):
    """The file cannot be read as a spreadsheet; the message says why, for a person."""


class SheetNotFound(SpreadsheetError):
    """The sheet the options name is not in the file."""


class FileTooLarge(SpreadsheetError):
    """The file is beyond one of the bounds of an import; the message says which."""


def too_large(reason: str) -> FileTooLarge:
    return FileTooLarge(f"{TOO_LARGE}{reason}.")


def sheet_not_found(name: str, names: list[str]) -> SheetNotFound:
    return SheetNotFound(f"No sheet named '{name}'; the file has: {', '.join(names)}.")


@dataclass(frozen=True)
class ReaderLimits:
    """The resource limits of the child process that reads a file (settings CRM_IMPORT_READER_*)."""

    memory_mb: int = 2048
    cpu_seconds: int = 300
    timeout_seconds: float = 300.0

    @classmethod
    def of(cls, settings: Any) -> "ReaderLimits":
        return cls(
            memory_mb=settings.import_reader_memory_mb,
            cpu_seconds=settings.import_reader_cpu_seconds,
            timeout_seconds=settings.import_reader_timeout_seconds,
        )


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuses a zip (xlsx, ods) whose members declare too much unpacked data (zip bombs)."""
    total = 0
    for member in archive.infolist():
        size = member.file_size
        if size > MAX_MEMBER_BYTES:
            raise too_large(
                f"{member.filename} unpacks to {size // MB:,} MB "
                f"(at most {MAX_MEMBER_BYTES // MB} MB a part)"
            )
        if size > RATIO_FROM_BYTES and size > MAX_RATIO * max(member.compress_size, 1):
            ratio = size // max(member.compress_size, 1)
            raise too_large(
                f"{member.filename} is compressed {ratio:,} to 1 (at most {MAX_RATIO} to 1)"
            )
        total += size
    if total > MAX_ARCHIVE_BYTES:
        raise too_large(
            f"it unpacks to {total // MB:,} MB (at most {MAX_ARCHIVE_BYTES // MB} MB in all)"
        )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def check_dimension(reference: str) -> None:
    """Refuses a sheet whose declared range (``A1:XFD1048576``) is beyond the bounds."""
    parts = reference.upper().split(":")
    matches = [_CELL_REFERENCE.fullmatch(part) for part in parts]
    corners = [(_column_number(m[1]), int(m[2])) for m in matches if m is not None]
    if len(corners) != len(parts) or len(corners) > 2:
        return  # a malformed dimension is left to the reader (and its limits)
    (first_column, first_row), (last_column, last_row) = corners[0], corners[-1]
    rows = abs(last_row - first_row) + 1
    columns = abs(last_column - first_column) + 1
    check_area(rows, columns)


def check_area(rows: int, columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise too_large(f"the sheet is {columns:,} columns wide (at most {MAX_COLUMNS:,})")
    if rows * columns > MAX_CELLS:
        raise too_large(f"the sheet spans {rows * columns:,} cells (at most {MAX_CELLS:,})")


def check_row(number: int, row: list[Any]) -> int:
    """How many characters the row's text cells hold; refuses a row with too many cells, a cell
    over Excel's length or too much text."""
    if len(row) > MAX_COLUMNS:
        raise too_large(f"row {number} has {len(row):,} cells (at most {MAX_COLUMNS:,} columns)")
    lengths = [len(cell) for cell in row if cell.__class__ is str]
    if not lengths:
        return 0
    if max(lengths) > MAX_CELL_CHARS:
        raise too_large(
            f"a cell of row {number} holds {max(lengths):,} characters (at most {MAX_CELL_CHARS:,})"
        )
    chars = sum(lengths)
    if chars > MAX_ROW_CHARS:
        raise too_large(f"row {number} holds {chars:,} characters (at most {MAX_ROW_CHARS:,})")
    return chars
