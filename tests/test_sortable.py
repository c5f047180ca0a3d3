"""Order-preserving encodings of index entries: string order must be value order."""

import random
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from models.sortable import (
    encode_date,
    encode_flag,
    encode_number,
    encode_text,
    entry,
    prefix_range,
)

decimals = st.builds(
    lambda coefficient, exponent: Decimal(f"{coefficient}E{exponent}"),
    st.integers(-(10**25), 10**25),
    st.integers(-30, 30),
)
numbers = st.one_of(
    st.integers(),
    decimals,
    st.decimals(allow_nan=False, allow_infinity=False),
)
keys = st.from_regex(r"[a-z][A-Za-z0-9]{0,8}", fullmatch=True)


def in_range(value: str, bounds: tuple[str, str]) -> bool:
    low, high = bounds
    return low <= value < high


def test_text_is_folded_for_matching() -> None:
    assert encode_text("  Łukasz \t ŻÓŁTY\n") == "lukasz zolty"
    assert encode_text("Café Straße") == "cafe strasse"
    assert encode_text("") == ""


@given(numbers, numbers)
def test_number_order_is_string_order(a: int | Decimal, b: int | Decimal) -> None:
    encoded_a, encoded_b = encode_number(a), encode_number(b)
    assert (a < b) == (encoded_a < encoded_b)
    assert (a == b) == (encoded_a == encoded_b)
    assert (encoded_a < encoded_b) == (encoded_a.encode() < encoded_b.encode())


@given(st.integers(-(10**20), 10**20), st.integers(-30, 30), st.integers(0, 10))
def test_equal_values_in_other_forms_encode_equally(coefficient: int, exponent: int, zeros: int):
    value = Decimal(f"{coefficient}E{exponent}")
    same = Decimal(f"{coefficient * 10**zeros}E{exponent - zeros}")
    assert encode_number(value) == encode_number(same)


def test_equal_numbers_encode_equally() -> None:
    ones = [1, Decimal("1"), Decimal("1.0"), Decimal("1.000"), Decimal("0.1E1"), Decimal("100E-2")]
    assert len({encode_number(n) for n in ones}) == 1
    zeros = [0, Decimal("-0"), Decimal("0E-10"), Decimal("-0.00"), Decimal("0E+7")]
    assert len({encode_number(n) for n in zeros}) == 1


def test_known_numbers_in_order() -> None:
    expected = [
        Decimal("-1E+999999999999999999"),
        Decimal("-1E30"),
        -1000,
        Decimal("-999.5"),
        Decimal("-1.5"),
        Decimal("-1.25"),
        Decimal("-1.2"),
        -1,
        Decimal("-0.5"),
        Decimal("-1E-30"),
        Decimal("-1E-999999999999999999"),
        0,
        Decimal("1E-999999999999999999"),
        Decimal("1E-30"),
        Decimal("0.5"),
        1,
        Decimal("1.2"),
        Decimal("1.25"),
        Decimal("1.5"),
        Decimal("999.5"),
        1000,
        1995,
        Decimal("1E30"),
        10**100,
        Decimal("1E+999999999999999999"),
    ]
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=encode_number) == expected


@pytest.mark.parametrize("value", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        encode_number(Decimal(value))


@pytest.mark.parametrize("value", [1.5, True, "1"])
def test_only_ints_and_decimals_are_numbers(value: object) -> None:
    with pytest.raises(TypeError):
        encode_number(value)  # type: ignore[arg-type]


def test_dates_are_iso() -> None:
    assert encode_date(date(1995, 3, 7)) == "1995-03-07"
    assert encode_date(date(999, 12, 31)) == "0999-12-31"
    assert encode_date(datetime(2024, 1, 2, 23, 59)) == "2024-01-02"


@given(st.dates(), st.dates())
def test_date_order_is_string_order(a: date, b: date) -> None:
    assert (a < b) == (encode_date(a) < encode_date(b))
    assert (a == b) == (encode_date(a) == encode_date(b))


def test_flags() -> None:
    assert (encode_flag(False), encode_flag(True)) == ("0", "1")


def test_entry_joins_key_and_value() -> None:
    assert entry("year", encode_number(1995)) == "year\x1f" + encode_number(1995)
    with pytest.raises(ValueError, match="separator"):
        entry("bad\x1fkey", "x")


@given(keys, st.text(), st.text())
def test_prefix_range_holds_exactly_the_values_with_the_prefix(key: str, prefix: str, value: str):
    assert in_range(entry(key, value), prefix_range(key, prefix)) == value.startswith(prefix)


def test_prefix_range_includes_characters_above_uffff() -> None:
    bounds = prefix_range("city", "krak")
    for value in ["krak", "krakow", "krak\uffff", "krak\U0001f600", "krak\U0010ffff"]:
        assert in_range(entry("city", value), bounds), value
    for value in ["kraj", "kral", "kra", "krb"]:
        assert not in_range(entry("city", value), bounds), value
    assert not in_range(entry("cityx", "krak"), bounds)


def test_prefix_range_bounds_are_storable_strings() -> None:
    """After U+D7FF comes U+E000: a surrogate cannot be encoded to UTF-8 for the database."""
    low, high = prefix_range("k", "a\ud7ff")
    assert high.encode() > low.encode()
    assert in_range(entry("k", "a\ud7ff\U0001f600"), (low, high))
    assert not in_range(entry("k", "a\ue000"), (low, high))


def test_empty_prefix_holds_every_value_of_the_key() -> None:
    bounds = prefix_range("a", "")
    assert in_range(entry("a", ""), bounds)
    assert in_range(entry("a", "\U0010ffff" * 3), bounds)
    assert not in_range(entry("ab", ""), bounds)
    assert not in_range(entry("A", "z"), bounds)


@given(keys, numbers, numbers, numbers)
def test_number_range_query(key: str, low: Decimal, high: Decimal, value: Decimal) -> None:
    bounds = (entry(key, encode_number(low)), entry(key, encode_number(high)))
    assert in_range(entry(key, encode_number(value)), bounds) == (low <= value < high)


@given(keys, keys, numbers, numbers, st.text(), st.text())
def test_ranges_of_one_key_never_hold_entries_of_another(
    key: str, other: str, low: Decimal, high: Decimal, prefix: str, value: str
) -> None:
    assume(key != other)
    number_bounds = (entry(key, encode_number(low)), entry(key, encode_number(high)))
    for foreign in [entry(other, value), entry(other, encode_number(low))]:
        assert not in_range(foreign, number_bounds)
        assert not in_range(foreign, prefix_range(key, prefix))


def test_a_key_and_its_extension_do_not_mix() -> None:
    """Key "a" and key "ab": "ab..." sorts after every "a\\x1f..." entry and range bound."""
    extension = entry("ab", encode_number(5))
    assert not in_range(extension, (entry("a", encode_number(0)), entry("a", encode_number(10))))
    assert not in_range(extension, prefix_range("a", ""))
    assert not in_range(extension, prefix_range("a", "\U0010ffff"))
