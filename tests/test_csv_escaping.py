"""Pure rules of the CSV files written here: a text a spreadsheet program would run as a formula
is kept a text (CSV injection), and reading the file gives back exactly what was written."""

import pytest

from app.spreadsheets import csv_text, csv_unescaped

FORMULAS = [
    '=HYPERLINK("http://example.com","x")',
    "@SUM(A1)",
    "+cmd|' /C calc'!A0",
    "-2+3*A1",
    "-2+3",
    "+1-1",
    "-1/2",
    "+48 500-000-001",
    "--1",
]
PLAIN = [
    "Kowalski",
    "+48 500 000 001",
    "+48 (22) 123 45 67",
    "+48500000001",
    "-12",
    "-12,5",
    "-1 234,50",
    "-0.5",
    "(22) 123-45-67",
    "-",
    "+",
    "2024-01-31",
    "",
]
QUOTED = ["'", "'hello", "'=x", "''"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formulas_are_written_as_text(text):
    assert csv_text(text) == f"'{text}"


@pytest.mark.parametrize("text", PLAIN)
def test_names_numbers_and_phones_are_written_as_they_are(text):
    assert csv_text(text) == text


@pytest.mark.parametrize("text", FORMULAS + PLAIN + QUOTED)
def test_reading_gives_back_what_was_written(text):
    assert csv_unescaped(csv_text(text)) == text


@pytest.mark.parametrize("text", ["\t=1+2", "\r=1+2", "\t-2+3", "\r@SUM(A1)"])
def test_a_cell_never_starts_with_a_tab_or_carriage_return_before_a_formula(text):
    assert csv_text(text) == f"'{text.strip()}"


def test_a_quote_another_program_wrote_is_kept():
    assert csv_unescaped("'hello") == "'hello"
