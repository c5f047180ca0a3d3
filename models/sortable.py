"""Order-preserving string encodings for the derived index entries (``sk``, ``uniq``).

Each entry is one string, ``<field key>\\x1f<encoded value>``, so that equality, ``in``, range and
prefix filters on any custom field are bounds on one multikey index. That works only if the
encodings compare, as plain strings (code-point order, which is also MongoDB's UTF-8 byte order),
the way their values do: these functions guarantee it.
"""

from datetime import date
from decimal import Decimal

from models.values import name_key

SEPARATOR = "\x1f"
_MAX_CHAR = chr(0x10FFFF)

# encode_number: a sign class, then for non-zero numbers the decimal exponent and the digits.
_NEGATIVE, _ZERO, _POSITIVE = "1", "2", "3"
# Ends the complemented digits of a negative number, above every digit: -0.12 > -0.123.
_NEGATIVE_END = ":"


def encode_text(value: str) -> str:
    """Case-folded, without diacritics (ł -> l too), whitespace collapsed and trimmed."""
    return name_key(value)


def _encode_exponent(exponent: int) -> str:
    """An integer as a length class and its digits: prefix-free, and ordered like the integers.

    Non-negative: "a" for one digit, "b" for two ... then the digits. Negative: "Z" for one digit,
    "Y" for two ... (more digits, smaller number) then the nines' complement of the digits.
    Decimal exponents have at most 19 digits, so the classes stay within "H".."s".
    """
    digits = str(abs(exponent))
    if exponent >= 0:
        return chr(ord("a") + len(digits) - 1) + digits
    return chr(ord("Z") - len(digits) + 1) + _complement(digits)


def _complement(digits: str) -> str:
    return "".join(str(9 - int(d)) for d in digits)


def encode_number(value: int | Decimal) -> str:
    """A string whose order is numeric order, equal for equal values (1 == 1.0, -0 == 0).

    A non-zero number is ``±0.d1d2... x 10^(e+1)`` with ``d1 != 0`` and no trailing zeros, so it is
    ordered first by sign, then by ``e``, then by the digits. Negative numbers reverse the last two:
    the exponent is negated and the digits complemented, and a terminator above every digit makes a
    shorter digit string (a smaller magnitude) sort after the longer ones that extend it.
    """
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"Expected an int or a Decimal, got {type(value).__name__}.")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"Only finite numbers can be encoded, got {number}.")
    if number.is_zero():
        return _ZERO
    sign, coefficient, _ = number.as_tuple()
    digits = "".join(map(str, coefficient)).rstrip("0")
    exponent = number.adjusted()
    if sign:
        return _NEGATIVE + _encode_exponent(-exponent) + _complement(digits) + _NEGATIVE_END
    return _POSITIVE + _encode_exponent(exponent) + digits


def encode_date(value: date) -> str:
    """ISO ``YYYY-MM-DD``; a datetime (as BSON dates read back) gives its calendar date."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def encode_flag(value: bool) -> str:
    return "1" if value else "0"


def entry(key: str, encoded: str) -> str:
    """One index entry. Keys never contain the separator, so one key's entries never mix with
    another's: every entry of ``key`` starts with ``key + SEPARATOR``."""
    if SEPARATOR in key:
        raise ValueError("A field key cannot contain the entry separator.")
    return key + SEPARATOR + encoded


def prefix_range(key: str, encoded_prefix: str) -> tuple[str, str]:
    """Bounds ``[low, high)`` holding exactly the entries of ``key`` whose value starts with
    ``encoded_prefix``; with an empty prefix, every entry of ``key`` (for open-ended ranges).

    ``high`` is the smallest string above every string that starts with ``low``: ``low`` with its
    last character incremented. ``low + "\\uffff"`` would miss values that continue with a character
    above U+FFFF (emoji, rarer CJK), which sort after U+FFFF both here and in UTF-8.
    """
    return prefix_bounds(entry(key, encoded_prefix))


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """Bounds ``[low, high)`` holding exactly the strings that start with ``prefix``."""
    return prefix, _successor(prefix)


def _successor(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``."""
    stripped = prefix.rstrip(_MAX_CHAR)
    last = ord(stripped[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:
        last = 0xE000  # surrogates cannot be stored, so no stored string holds one
    return stripped[:-1] + chr(last)
