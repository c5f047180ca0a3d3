"""Caller-ID keys (models/phones.py): every way an exchange or a person writes a number meets the
key stored for it; a number that is none is matched by its digits; a withheld caller by nothing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.contact_keys import derive_contact, derive_organization
from models.phones import caller_key, normalize_phone, phone_key

POLISH_FORMATS = [
    "+48 500 000 001",
    "0048500000001",
    "500000001",
    "500-000-001",
    "(+48) 500 000 001",
    "tel:+48500000001",
    "+48 (0) 500 000 001",
    "sip:+48500000001@pbx.example",
    "tel:+48-500-000-001;phone-context=example.com",
    " +48.500.000.001 ",
]


@pytest.mark.parametrize("raw", POLISH_FORMATS)
def test_every_format_of_a_number_gives_its_e164_key(raw):
    assert caller_key(raw, "PL") == "+48500000001"


def test_a_number_without_country_code_is_read_in_the_companys_region():
    assert caller_key("030 1234567", "DE") == "+49301234567"
    assert caller_key("+49 30 1234567", "PL") == "+49301234567"


@pytest.mark.parametrize("raw", [None, "", "   ", "anonymous", "Anonymous", "UNKNOWN", "private"])
def test_an_empty_or_withheld_caller_has_no_key(raw):
    assert caller_key(raw, "PL") is None


@pytest.mark.parametrize(("raw", "key"), [("2001", "2001"), ("12", "12"), ("ext. 12-34", "1234")])
def test_a_caller_that_is_no_number_is_matched_by_its_digits(raw, key):
    assert caller_key(raw, "PL") == key


def test_stored_numbers_are_keyed_as_written_when_e164_else_by_digits():
    assert phone_key("+48500000001") == "+48500000001"
    assert phone_key("wew. 2001") == "2001"
    assert phone_key("brak") is None


def test_contacts_and_organizations_carry_the_keys_of_all_their_phones():
    phones = [
        {"number": "+48500000001", "raw": "500 000 001"},
        {"number": "wew. 2001", "raw": "wew. 2001"},  # kept as written (e.g. synchronized)
        {"number": "+48500000001", "raw": "+48 500-000-001"},
    ]
    contact = derive_contact({"first_name": "A", "last_name": "B", "phones": phones}, [], None)
    organization = derive_organization({"name": "Acme", "phones": phones}, [])
    assert contact["phone_keys"] == organization["phone_keys"] == ["+48500000001", "2001"]
    assert caller_key("2001", "PL") in contact["phone_keys"]


polish_mobile = st.integers(min_value=500_000_000, max_value=899_999_999).map(str)


@given(
    digits=polish_mobile,
    layout=st.sampled_from(
        [
            "{n}",
            "+48{n}",
            "0048{n}",
            "+48 {a} {b} {c}",
            "{a}-{b}-{c}",
            "(+48) {a} {b} {c}",
            "tel:+48{n}",
            "+48 (0) {a} {b} {c}",
        ]
    ),
)
def test_the_callers_key_is_the_key_stored_for_the_contacts_number(digits, layout):
    """Whatever way the number is written on either side, caller and contact meet."""
    written = layout.format(n=digits, a=digits[:3], b=digits[3:6], c=digits[6:])
    stored = normalize_phone(f"{digits[:3]} {digits[3:6]} {digits[6:]}", "PL")
    assert caller_key(written, "PL") == phone_key(stored)
