"""Reading the cells of an imported file as the values of contact fields.

Spreadsheets hold what people typed: numbers in text cells, dates as Excel serial numbers or as
"31.01.2024", decimal commas and thousands spaces ("1 234,56"), "TAK"/"NIE" for flags. These
functions turn a cell (as the readers give it: str, int, float, bool, date, datetime, time,
timedelta or None) into the value the API would accept for the field, or raise
:class:`CellError`. The API's own checks (options, lengths, ranges) then apply as for any input.
"""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from models.values import name_key

# Excel's day 0 is 1899-12-30 for serials from 61 on; before that it counts a 29 February 1900
# that never was, so day 1 is 1900-01-01.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_FIRST_REAL_LEAP_SERIAL = 61
_MAX_EXCEL_SERIAL = 2_958_465  # 9999-12-31
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007']")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_LIST_SEPARATORS = re.compile(r"[;,|\n]")
_DATE_FORMATS = ("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y.%m.%d", "%Y/%m/%d", "%d.%m.%y")
TRUE_WORDS = frozenset({"tak", "t", "true", "prawda", "yes", "y", "1"})
FALSE_WORDS = frozenset({"nie", "n", "false", "falsz", "no", "0"})


class CellError(ValueError):
    """The message says, for a person, what is wrong with the cell."""


def is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_text(cell: Any) -> str:
    """A cell as text, the way a person reads it: 1995.0 -> "1995", dates in ISO form."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TAK" if cell else "NIE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(sep=" ")
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell).strip()


def to_text(cell: Any) -> str | None:
    text = cell_text(cell)
    return text or None


def to_decimal(cell: Any) -> Decimal:
    """Numbers with a decimal comma or point and thousands separated by spaces, dots or commas:
    "1 234,56", "1.234,56", "1,234.56", "-0,5"."""
    if isinstance(cell, bool):
        raise CellError("Must be a number.")
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        return Decimal(repr(cell))
    if not isinstance(cell, str):
        raise CellError("Must be a number.")
    text = _SPACES.sub("", cell)
    if "," in text and "." in text:  # the later one separates the decimals
        thousands = "," if text.rfind(".") > text.rfind(",") else "."
        text = text.replace(thousands, "")
    elif text.count(",") > 1 or text.count(".") > 1:  # only thousands separators
        text = text.replace(",", "").replace(".", "")
    if not _NUMBER.match(text):
        raise CellError("Must be a number.")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as error:
        raise CellError("Must be a number.") from error


def to_integer(cell: Any) -> int:
    number = to_decimal(cell)
    if number != number.to_integral_value():
        raise CellError("Must be a whole number.")
    return int(number)


def to_flag(cell: Any) -> bool:
    """TAK/NIE, T/N, true/false, prawda/fałsz, yes/no, 1/0."""
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and cell in (0, 1):
        return bool(cell)
    word = name_key(cell_text(cell))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError("Must be TAK or NIE (true or false, 1 or 0).")


def _from_serial(serial: float) -> date:
    if not 1 <= serial <= _MAX_EXCEL_SERIAL:
        raise CellError("Not a date (Excel serial numbers run from 1 to 2958465).")
    days = int(serial)
    if days < _EXCEL_FIRST_REAL_LEAP_SERIAL:
        days += 1
    return _EXCEL_EPOCH + timedelta(days=days)


def to_date(cell: Any) -> date:
    """Date cells, Excel serial numbers (45322 is 2024-01-31), and the texts YYYY-MM-DD,
    DD.MM.YYYY, DD-MM-YYYY, DD/MM/YYYY, YYYY.MM.DD, YYYY/MM/DD (with or without a time)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool):
        raise CellError("Must be a date.")
    if isinstance(cell, int | float):
        return _from_serial(cell)
    text = cell_text(cell)
    if text.isdigit():
        return _from_serial(int(text))
    day = text.split(" ")[0].split("T")[0]
    try:
        return date.fromisoformat(day)
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(day, pattern).date()
        except ValueError:
            continue
    raise CellError("Must be a date: YYYY-MM-DD or DD.MM.YYYY.")


def to_list(cell: Any) -> list[str]:
    """Several values in one cell, separated by ``;``, ``,``, ``|`` or line breaks."""
    return [part.strip() for part in _LIST_SEPARATORS.split(cell_text(cell)) if part.strip()]


def to_option(cell: Any, options: list[str]) -> str:
    """The declared option a cell names, whatever its case and accents; other texts stay as
    they are (the field's own check then refuses them)."""
    text = cell_text(cell)
    wanted = name_key(text)
    return next((option for option in options if name_key(option) == wanted), text)


def to_options(cell: Any, options: list[str]) -> list[str]:
    whole = to_option(cell, options)
    if whole in options:  # an option that itself holds a separator
        return [whole]
    return [to_option(part, options) for part in to_list(cell)]
