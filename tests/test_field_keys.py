"""Custom field keys: derived from display names, or validated when given."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.field_keys import (
    CONTACT_NATIVE_FIELDS,
    MAX_KEY_LENGTH,
    ORGANIZATION_NATIVE_FIELDS,
    derive_key,
    validate_key,
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Rok założenia", "rokZalozenia"),
        ("NIP firmy", "nipFirmy"),
        ("E-mail 2", "eMail2"),
        ("2nd phone", "f2ndPhone"),
        ("Zażółć gęślą jaźń", "zazolcGeslaJazn"),
        ("ŁÓDŹ", "lodz"),
        ("Café crème", "cafeCreme"),
        ("  Adres   WWW (firmowy) ", "adresWwwFirmowy"),
        ("Straße", "strasse"),
        ("", "field"),
        ("!?", "field"),
        ("Имя", "field"),
        ("123", "f123"),
    ],
)
def test_derived_from_the_name(name: str, key: str) -> None:
    assert derive_key(name, set()) == key


def test_a_taken_key_gets_the_smallest_free_suffix() -> None:
    assert derive_key("Rok założenia", {"rokZalozenia"}) == "rokZalozenia2"
    assert derive_key("Rok założenia", {"rokZalozenia", "rokZalozenia2"}) == "rokZalozenia3"
    assert derive_key("Rok założenia", {"rokZalozenia", "rokZalozenia3"}) == "rokZalozenia2"


def test_native_field_names_are_never_keys() -> None:
    assert derive_key("ID", CONTACT_NATIVE_FIELDS) == "id2"
    assert derive_key("First name", CONTACT_NATIVE_FIELDS) == "firstName2"
    assert derive_key("Tax ID", ORGANIZATION_NATIVE_FIELDS) == "taxId2"
    assert derive_key("Tax ID", CONTACT_NATIVE_FIELDS) == "taxId"


def test_clashes_compare_case_sensitively() -> None:
    assert derive_key("rok", {"Rok", "ROK"}) == "rok"


def test_long_names_are_cut_to_the_maximum_length() -> None:
    key = derive_key("słowo " * 40, set())
    assert len(key) == MAX_KEY_LENGTH
    assert key.startswith("slowoSlowo")
    suffixed = derive_key("słowo " * 40, {key})
    assert len(suffixed) == MAX_KEY_LENGTH
    assert suffixed == key[:-1] + "2"


@st.composite
def names_and_taken(draw: st.DrawFn) -> tuple[str, set[str]]:
    """A name and a taken set that often holds its key and some of the suffixed forms."""
    name = draw(st.text(max_size=80))
    base = derive_key(name, set())
    suffixes = draw(st.sets(st.integers(2, 12), max_size=8))
    taken = {base} if draw(st.booleans()) else set()
    taken |= {base[: MAX_KEY_LENGTH - len(str(n))] + str(n) for n in suffixes}
    taken |= draw(st.sets(st.text(max_size=10), max_size=5))
    natives = draw(
        st.sampled_from([frozenset(), CONTACT_NATIVE_FIELDS, ORGANIZATION_NATIVE_FIELDS])
    )
    return name, taken | natives


@given(names_and_taken())
def test_any_name_gives_a_valid_free_key(case: tuple[str, set[str]]) -> None:
    name, taken = case
    key = derive_key(name, taken)
    assert validate_key(key, taken) is None
    assert key not in taken


@given(st.text(max_size=80))
def test_derivation_is_deterministic_and_free_keys_are_kept(name: str) -> None:
    key = derive_key(name, set())
    assert derive_key(name, set()) == key
    assert derive_key(name, {key + "x", "other"}) == key


def test_a_valid_explicit_key_is_accepted() -> None:
    assert validate_key("rokZalozenia", CONTACT_NATIVE_FIELDS) is None
    assert validate_key("a", set()) is None
    assert validate_key("a" * MAX_KEY_LENGTH, set()) is None
    assert validate_key("nip2Firmy", set()) is None


@pytest.mark.parametrize(
    "key",
    ["", "Rok", "1rok", "rok_zalozenia", "rok zalozenia", "rokZałożenia", "rok\n", "a" * 65],
)
def test_a_malformed_key_is_refused(key: str) -> None:
    message = validate_key(key, set())
    assert message is not None
    assert "lowercase letter" in message


def test_double_underscore_names_are_reserved() -> None:
    message = validate_key("__typename", set())
    assert message is not None
    assert "reserved" in message


def test_a_taken_key_is_refused() -> None:
    assert validate_key("nip", {"nip"}) is not None
    assert validate_key("email", CONTACT_NATIVE_FIELDS) is not None
    assert validate_key("website", ORGANIZATION_NATIVE_FIELDS) is not None
    assert validate_key("website", CONTACT_NATIVE_FIELDS) is None


def test_native_names_are_well_formed_keys_and_so_must_be_reserved() -> None:
    """If a native name did not look like a key it could never clash; all of them do."""
    for native in CONTACT_NATIVE_FIELDS | ORGANIZATION_NATIVE_FIELDS:
        assert validate_key(native, set()) is None
    assert {"firstName", "organization", "segment", "calls"} <= CONTACT_NATIVE_FIELDS
    assert {"name", "taxId", "regon", "contacts"} <= ORGANIZATION_NATIVE_FIELDS
