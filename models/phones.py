"""Phone numbers: E.164 normalization with the company's default region, and caller-ID keys."""

import re

import phonenumbers

_PREFIXES = re.compile(r"^(tel:|sip:)", re.IGNORECASE)
# A URI's parameters (``;phone-context=…``) and a SIP URI's host (``@pbx.example``).
_URI_TAIL = re.compile(r"[;@].*$")
# ``+48 (0) 500…``: the national trunk prefix written after the country code.
_TRUNK_AFTER_COUNTRY = re.compile(r"^(\+\d{1,3})\(0\)")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# Caller IDs an exchange sends for a withheld number: they match nothing.
WITHHELD_CALLERS = frozenset({"anonymous", "unknown", "private", "restricted", "unavailable"})


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, default_region: str) -> str:
    """The E.164 form of ``raw`` (``+48500000001``), or InvalidPhone.

    Accepts spaces, dashes, dots, parentheses, a ``tel:`` or ``sip:`` prefix, the ``00``
    international prefix and ``(0)`` after the country code; a number without a country code is
    read in ``default_region``.
    """
    text = raw.strip()
    if _PREFIXES.match(text):
        text = _URI_TAIL.sub("", _PREFIXES.sub("", text))
    text = re.sub(r"[\s\-./]", "", text)
    text = re.sub(r"[()]", "", _TRUNK_AFTER_COUNTRY.sub(r"\1", text))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone("Not a phone number.") from error
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone("Not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def digits_key(raw: str) -> str:
    """What an unparseable number is matched by: its digits."""
    return re.sub(r"\D", "", raw)


def phone_key(number: str) -> str | None:
    """The caller-ID key of a stored number: the number itself when it is E.164 (numbers are
    normalized when written), else the digits of a number kept as written."""
    if _E164.match(number):
        return number
    return digits_key(number) or None


def caller_key(raw: str | None, default_region: str) -> str | None:
    """The key a caller's number is matched by: its E.164 form, or the digits of a number that
    is none (an internal extension, say). An empty or withheld caller (``anonymous``) has no key:
    it matches nothing, and is no error."""
    text = (raw or "").strip()
    if not text or text.casefold() in WITHHELD_CALLERS:
        return None
    try:
        return normalize_phone(text, default_region)
    except InvalidPhone:
        return digits_key(text) or None
