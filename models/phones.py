"""Phone numbers: E.164 normalization with the company's default region, and caller-ID keys."""

import re

import phonenumbers

_PREFIXES = re.compile(r"^(tel:|sip:)", re.IGNORECASE)


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, default_region: str) -> str:
    """The E.164 form of ``raw`` (``+48500000001``), or InvalidPhone.

    Accepts spaces, dashes, dots, parentheses, a ``tel:`` prefix and the ``00`` international
    prefix; a number without a country code is read in ``default_region``.
    """
    text = _PREFIXES.sub("", raw.strip())
    text = re.sub(r"[\s\-.()/]", "", text)
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
