"""Text cells of CSV files kept text (CSV injection).

A cell that a spreadsheet program would run as a formula starts with "=", "@", a tab or a carriage
return, or with "+" or "-" and holds more than a number or a phone does: after the sign only
digits, spaces, parentheses and decimal separators ("-12,5", "+48 500 000 001"); another operator
("-2+3", "+1/2", "+48 500-000-001") makes it a formula. A CSV written here keeps such a text a
text with a leading "'" (the header too), and reading a CSV takes the "'" off again. Apart from
app/spreadsheets.py (writers): the reader's child process imports this without the writers.
"""

import re
from decimal import Decimal
from typing import Any

from models.import_values import cell_text

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A sign, then only what a number or a phone is written with: no operator after the sign.
_SIGNED_NUMBER = re.compile(r"[+-][0-9 \u00a0().,]*")


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
