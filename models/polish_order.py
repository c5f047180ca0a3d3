"""A sort key whose plain code-point order is Polish alphabetical order.

MongoDB compares strings without a collation byte by byte in UTF-8, which is code-point order, and
so does Python. Storing ``polish_sort_key(name)`` in an indexed field therefore gives "names in
Polish order" with keyset pagination on any MongoDB engine, with or without collation support.

The key has three parts, joined by ``_SEPARATOR`` (lower than any character of the first part, so a
name that is a prefix of another sorts first):

1. the primary weights, one character per letter, digit, space or punctuation mark, case-folded:
   whitespace < punctuation and symbols < digits < a ą b c ć d e ę f ... ł ... ń ... ó ... ś ... ź ż
   < letters of other scripts (by code point). Accented letters that Polish does not have
   (é, ü, ö, ç ...) take the weight of their base letter; combining marks weigh nothing;
2. the case of each character, lowercase first;
3. the text itself, so that different texts never get equal keys.
"""

import unicodedata

POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"

_SEPARATOR = "\x01"
_SPACE = " "
_PUNCTUATION = "!"
# Digits take "0".."9"; the 35 letters take consecutive characters from "A" on (up to "c"); other
# letters keep their own code point, which is above 0x7f, so they follow every Latin letter.
_LETTER_WEIGHTS = {letter: chr(ord("A") + i) for i, letter in enumerate(POLISH_ALPHABET)}


def _weights(ch: str) -> str:
    """The primary weights of one character of case-folded NFC text (empty for a combining mark)."""
    if ch in _LETTER_WEIGHTS:
        return _LETTER_WEIGHTS[ch]
    # Unicode's compatibility caseless folding, NFKD(casefold(NFKD(ch))): "ᴬ", "é", "ﬁ" and "①"
    # become "a", "e" + mark, "fi" and "1".
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
    return "".join(_base_weight(part) for part in folded)


def _base_weight(ch: str) -> str:
    if ch in _LETTER_WEIGHTS:
        return _LETTER_WEIGHTS[ch]
    category = unicodedata.category(ch)
    if category[0] == "M":
        return ""
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    if category[0] in "LN":
        return ch
    return _SPACE if ch.isspace() else _PUNCTUATION


def polish_sort_key(text: str) -> str:
    folded = unicodedata.normalize("NFC", text).casefold()
    primary = "".join(_weights(ch) for ch in folded)
    case = "".join("0" if ch == ch.lower() else "1" for ch in text)
    return primary + _SEPARATOR + case + _SEPARATOR + text
