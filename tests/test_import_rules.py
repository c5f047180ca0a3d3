"""Pure rules of imports: header matching (models.import_columns) and the reading of cells
(models.import_values)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.field_definition import FieldDefinition, FieldEntity, FieldType
from models.import_columns import catalogue, column_label, match_headers
from models.import_values import (
    CellError,
    cell_text,
    to_date,
    to_decimal,
    to_flag,
    to_integer,
    to_list,
    to_options,
)

TENANT = "0123456789abcdef01234567"


def definition(key: str, name: str, field_type: FieldType = FieldType.TEXT, **flags):
    """A definition as stored; built without Beanie, which these pure tests do not start."""
    values = {"options": [], "position": None, "searchable": False, "unique": False}
    values.update(required=False, **flags)
    return FieldDefinition.model_construct(
        tenant_id=TENANT, entity=FieldEntity.CONTACT, key=key, name=name, type=field_type, **values
    )


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Imię", "firstName"),
        ("IMIE", "firstName"),
        ("first_name", "firstName"),
        ("First name", "firstName"),
        ("firstName", "firstName"),
        (" Nazwisko ", "lastName"),
        ("E-mail", "email"),
        ("e mail", "email"),
        ("Źródło pozyskania", "acquisitionSource"),
        ("zrodlo-pozyskania", "acquisitionSource"),
        ("Województwo", "address.region"),
        ("KOD POCZTOWY", "address.postalCode"),
        ("Adres 2", "address.line2"),
        ("Firma", "organization"),
        ("Tax ID", "organization.taxId"),
        ("Rok założenia", "custom.rokZalozenia"),
        ("rokzalozenia", "custom.rokZalozenia"),
    ],
)
def test_headers_match_without_regard_to_case_diacritics_and_spacing(header, field):
    columns = catalogue([definition("rokZalozenia", "Rok założenia", FieldType.INTEGER)])
    match = match_headers([header], columns)
    assert [p.field for p in match.plans] == [field]
    assert match.unknown == []


def test_a_custom_field_named_like_a_native_header_takes_that_header():
    columns = {c.field: c for c in catalogue([definition("nip", "NIP", unique=True)])}
    assert "NIP" in columns["custom.nip"].headers
    assert "NIP" not in columns["organization.taxId"].headers
    assert columns["organization.taxId"].header == "Tax ID"
    assert columns["custom.nip"].match_key == "nip"
    assert columns["email"].match_key == "email"
    assert columns["phones"].match_key == "phone"
    assert columns["address.city"].match_key is None


def test_unknown_columns_are_reported_and_the_errors_column_is_not():
    match = match_headers(["Imię", "Ulubiony kolor", "", "Błędy importu"], catalogue([]))
    assert match.unknown == ["Ulubiony kolor", "Column C"]
    assert [p.field for p in match.plans] == ["firstName"]


def test_mapping_overrides_detection_and_its_mistakes_name_their_member():
    columns = catalogue([])
    match = match_headers(
        ["Kolumna X", "Imię", "Tel. kom."],
        columns,
        {"Kolumna X": "lastName", "Imię": None, "Tel. kom.": "phones", "Brak": "nope"},
    )
    assert [(p.header, p.field) for p in match.plans] == [
        ("Kolumna X", "lastName"),
        ("Imię", None),
        ("Tel. kom.", "phones"),
    ]
    assert {p.path for p in match.problems} == {
        "options.mapping.3.header",
        "options.mapping.3.field",
    }


def test_two_columns_of_a_single_valued_field_are_refused_but_phones_may_repeat():
    columns = catalogue([])
    assert [p.path for p in match_headers(["Email", "E-mail"], columns).problems] == ["file"]
    assert match_headers(["Telefon", "Phone"], columns).problems == []


def test_column_labels_are_spreadsheet_letters():
    assert [column_label(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1 234,56", Decimal("1234.56")),
        ("1\u00a0234,56", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("-0,5", Decimal("-0.5")),
        ("1.234.567", Decimal("1234567")),
        ("12", Decimal("12")),
        (1234.5, Decimal("1234.5")),
        (7, Decimal("7")),
    ],
)
def test_numbers_are_read_with_a_decimal_comma_or_point(cell, expected):
    assert to_decimal(cell) == expected


@pytest.mark.parametrize("cell", ["abc", "1,2,3.4.5x", True, "12 zł", ""])
def test_what_is_not_a_number_is_refused(cell):
    with pytest.raises(CellError):
        to_decimal(cell)


def test_integers_must_be_whole():
    assert to_integer("1 995") == 1995
    assert to_integer(1995.0) == 1995
    with pytest.raises(CellError, match="whole"):
        to_integer("12,5")


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_a_number_written_with_a_decimal_comma_and_thousands_spaces_reads_back(number):
    whole, _, fraction = f"{abs(number):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    text = f"{'-' if number < 0 else ''}{grouped},{fraction}"
    assert to_decimal(text) == number


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("TAK", True), ("nie", False), ("Prawda", True), ("fałsz", False), ("1", True), (0, False)],
)
def test_flags_read_polish_and_english_words(cell, expected):
    assert to_flag(cell) is expected


def test_a_flag_that_is_neither_is_refused():
    with pytest.raises(CellError):
        to_flag("może")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (date(2024, 1, 31), date(2024, 1, 31)),
        (datetime(2024, 1, 31, 12, 0), date(2024, 1, 31)),
        (45322, date(2024, 1, 31)),
        (45322.75, date(2024, 1, 31)),
        ("45322", date(2024, 1, 31)),
        (1, date(1900, 1, 1)),
        (61, date(1900, 3, 1)),
        ("2024-01-31", date(2024, 1, 31)),
        ("31.01.2024", date(2024, 1, 31)),
        ("31/01/2024", date(2024, 1, 31)),
        ("2024-01-31 08:30:00", date(2024, 1, 31)),
    ],
)
def test_dates_read_excel_cells_serials_and_common_texts(cell, expected):
    assert to_date(cell) == expected


@pytest.mark.parametrize("cell", ["31.02.2024", "jutro", 0, True])
def test_what_is_not_a_date_is_refused(cell):
    with pytest.raises(CellError):
        to_date(cell)


def test_cells_read_as_text_as_a_person_sees_them():
    assert cell_text(500123456.0) == "500123456"
    assert cell_text(12.5) == "12.5"
    assert cell_text(datetime(2024, 1, 31)) == "2024-01-31"
    assert cell_text(True) == "TAK"


def test_lists_split_on_semicolons_commas_and_lines_and_options_ignore_case():
    assert to_list("vip; nowy,  stały\nB2B") == ["vip", "nowy", "stały", "B2B"]
    assert to_options("KINO; Sport", ["sport", "muzyka", "kino"]) == ["kino", "sport"]
    assert to_options("a, b", ["a, b", "c"]) == ["a, b"]
