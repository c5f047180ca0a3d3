"""Text cells of CSV files kept text (CSV injection).

A cell that a spreadsheet program would run as a formula starts with "=" or "@", or with "+" or
"-" and holds more than a number or a phone does. A CSV written here keeps such a text a text with
a leading "'" (the header too), and reading a CSV takes the "'" off again. Apart from
app/spreadsheets.py (writers): the reader's child process imports this without the writers.
"""

import re
from decimal import Decimal
from typing import Any

from models.import_values import cell_text

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
