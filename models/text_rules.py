"""What text the service accepts, and in which form it keeps it.

Two strings that look the same must be the same string, or a unique value could be taken twice
("N-A-0" and "N-A-0" followed by a zero-width space) and a search would miss what it shows. So
every text input is brought to one form: invisible characters removed, then Unicode NFC.
Characters that no text of a CRM holds are refused rather than dropped, so that a client learns
of its bug: control characters, and unpaired surrogates (which no UTF-8 or BSON can encode).

Invisible characters are Unicode's default-ignorable code points (zero-width space and joiners,
word joiner, byte order mark, soft hyphen, bidirectional marks, variation selectors, tags...),
except where they carry meaning and cannot hide a duplicate of plain text:

- a zero-width joiner or non-joiner between two emoji or two letters of a script that shapes
  with them (Arabic, Indic...): "👩‍💻" stays one emoji;
- a variation selector after an emoji or an ideograph, or before a keycap ("1️⃣");
- the tags of a flag's tag sequence ("🏴" + tags for England).
"""

import re
import unicodedata
from enum import Enum


class TextKind(Enum):
    # One line: a name, an email, an id, a filter value.
    LINE = "line"
    # Free text that may hold tabs and line breaks (LONG_TEXT custom values).
    MULTILINE = "multiline"
    # Kept exactly as sent (passwords and secrets): only what cannot be encoded is refused.
    VERBATIM = "verbatim"


class InvalidText(ValueError):
    pass


_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL; tab, line feed and carriage return apart.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")
# Any character a kind refuses, in one search: most text holds none.
_REFUSED = {
    TextKind.LINE: re.compile(f"{_SURROGATE.pattern}|{_CONTROL.pattern}|{_LINE_BREAK.pattern}"),
    TextKind.MULTILINE: re.compile(f"{_SURROGATE.pattern}|{_CONTROL.pattern}"),
    TextKind.VERBATIM: _SURROGATE,
}
# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties), and the interlinear annotation
# marks. A flag's tag sequence is matched first, whole, so that it can be kept.
_INVISIBLE = re.compile(
    "(\U0001f3f4[\U000e0020-\U000e007f]+)"
    "|[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_JOINERS = "\u200c\u200d"
_KEYCAP = "\u20e3"
# Scripts from Hebrew on shape letters with joiners; Latin, Greek and Cyrillic do not.
_FIRST_JOINING_LETTER = 0x0590
# CJK and everything above it (ideographs take variation selectors).
_FIRST_IDEOGRAPH = 0x2E80


def _is_pictograph(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk") or char == "\ufe0f"


def _joins(char: str) -> bool:
    """Whether a joiner beside ``char`` can mean something."""
    if _is_pictograph(char):
        return True
    return ord(char) >= _FIRST_JOINING_LETTER and unicodedata.category(char)[0] in "LM"


def _is_variation_selector(char: str) -> bool:
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


def _kept(match: re.Match[str]) -> str:
    """The match itself where it carries meaning (see the module's docstring), else nothing."""
    if match.group(1):
        return match.group(1)
    text, start = match.string, match.start()
    char = match.group()
    before = text[start - 1] if start > 0 else ""
    after = text[start + 1] if start + 1 < len(text) else ""
    if char in _JOINERS:
        keep = bool(before and after) and _joins(before) and _joins(after)
    elif _is_variation_selector(char):
        keep = after == _KEYCAP or bool(
            before and (_is_pictograph(before) or ord(before) >= _FIRST_IDEOGRAPH)
        )
    else:
        keep = False
    return char if keep else ""


def _refuse(match: re.Match[str] | None, what: str) -> None:
    if match is not None:
        raise InvalidText(f"Contains {what} (U+{ord(match.group()):04X}).")


def clean_text(value: str, kind: TextKind = TextKind.LINE) -> str:
    """``value`` in the form the service keeps, or :class:`InvalidText` saying why not."""
    if _REFUSED[kind].search(value):  # then one of these, in this order, raises
        _refuse(_SURROGATE.search(value), "an unpaired surrogate")
        _refuse(_CONTROL.search(value), "a control character")
        _refuse(_LINE_BREAK.search(value), "a line break or tab, not allowed here")
    if kind is TextKind.VERBATIM or value.isascii():
        return value
    visible = _INVISIBLE.sub(_kept, value)
    return unicodedata.normalize("NFC", visible)
