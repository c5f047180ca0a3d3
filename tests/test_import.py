"""Contact imports through the API with real files: xlsx and CSV with Polish headers, decimal
commas, Excel dates, duplicates, bad emails and phones, unknown columns."""

from datetime import date
from decimal import Decimal

import pytest_asyncio
from beanie import PydanticObjectId

from models.contact import Contact
from models.crm import Crm
from models.position import Position
from tests.import_support import csv_file, imported, xlsx_file
from tests.records import CUSTOM_CONTACT_FIELDS, CrmTenant, define_fields, with_default_crm

HEADER = [
    "Imię",
    "Nazwisko",
    "E-mail",
    "Telefon",
    "Miasto",
    "Obrót",
    "VIP",
    "Data urodzenia",
    "Numer klienta",
    "Zainteresowania",
    "Ulubiony kolor",
]
ROWS = [
    # 2: a good row, Excel date cell, decimal comma with a thousands space
    [
        "Jan",
        "Kowalski",
        "jan@example.com",
        "500 000 001",
        "Kraków",
        "1 234,56",
        "TAK",
        date(1990, 1, 2),
        1001,
        "kino; SPORT",
        "zielony",
    ],
    # 3: bad email, impossible phone, a number with letters, a flag that is neither
    [
        "Anna",
        "Nowak",
        "anna(at)example.com",
        "12",
        "Gdańsk",
        "12 zł",
        "może",
        None,
        1002,
        None,
        "niebieski",
    ],
    # 4: blank
    [None] * 11,
    # 5: repeats row 2's email
    ["Jan", "Kowalski-bis", "JAN@example.com", None, None, None, None, None, None, None, None],
    # 6: an Excel serial date in a text cell, "nie", English decimal point
    [
        "Łukasz",
        "Żak",
        "lukasz@example.com",
        "+48 22 123 45 67",
        "Łódź",
        "99.5",
        "nie",
        "45322",
        1003,
        None,
        None,
    ],
    # 7: takes row 2's unique customer number
    ["Ewa", "Lis", "ewa@example.com", None, None, None, None, None, 1001, None, None],
]


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    crm = await with_default_crm(tenant)
    await define_fields(tenant, CUSTOM_CONTACT_FIELDS)
    return crm


async def stored(crm: CrmTenant) -> list[dict]:
    """The CRM's contacts as the database holds them, by email."""
    rows = (
        await Contact.get_pymongo_collection()
        .find({"crm_id": PydanticObjectId(crm.crm_id)})
        .to_list()
    )
    return sorted(rows, key=lambda row: (row.get("email") or "", str(row["_id"])))


def errors_by_row(job: dict) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = {}
    for edge in job["errors"]["edges"]:
        error = edge["node"]
        found.setdefault(error["row"], []).append(
            (error["column"], error["value"], error["message"])
        )
    return found


async def test_an_xlsx_file_is_imported_row_by_row_with_every_bad_row_reported(crm):
    job = await imported(crm.admin, xlsx_file([HEADER, *ROWS]), options={"matchOn": "email"})
    assert job["status"] == "COMPLETED"
    assert job["unknownColumns"] == ["Ulubiony kolor"]
    assert (job["total"], job["processed"]) == (6, 6)
    assert (job["created"], job["updated"], job["skipped"], job["failed"]) == (2, 0, 1, 3)
    errors = errors_by_row(job)
    assert set(errors) == {3, 5, 7}
    assert set(errors[3]) == {
        ("E-mail", "anna(at)example.com", "Not a valid email address."),
        ("Telefon", "12", "Not a possible phone number."),
        ("Obrót", "12 zł", "Must be a number."),
        ("VIP", "może", "Must be TAK or NIE (true or false, 1 or 0)."),
    }
    assert errors[5] == [("E-mail", "JAN@example.com", "Repeats the email of row 2.")]
    assert errors[7] == [("Numer klienta", "1001", "Row 2 has this value too.")]
    assert job["errors"]["totalCount"] == 6

    jan, lukasz = await stored(crm)
    assert (jan["first_name"], jan["email"]) == ("Jan", "jan@example.com")
    assert [p["number"] for p in jan["phones"]] == ["+48500000001"]
    assert jan["address"] == {"city": "Kraków"}
    assert jan["custom"]["obrot"].to_decimal() == Decimal("1234.56")
    assert jan["custom"]["vip"] is True
    assert jan["custom"]["dataUrodzenia"].date() == date(1990, 1, 2)
    assert jan["custom"]["numerKlienta"] == 1001
    assert jan["custom"]["zainteresowania"] == ["kino", "sport"]
    assert lukasz["custom"]["dataUrodzenia"].date() == date(2024, 1, 31)
    assert lukasz["custom"]["vip"] is False
    assert lukasz["custom"]["obrot"].to_decimal() == Decimal("99.5")
    assert [p["number"] for p in lukasz["phones"]] == ["+48221234567"]


async def test_csv_files_with_or_without_a_bom_and_either_delimiter_read_alike(crm):
    header = ["imie", "NAZWISKO", "Email", "Phone", "Data urodzenia", "Obrót"]
    rows = [["Jan", "Kowalski", "jan@example.com", "500000001", "31.01.2024", "1 234,56"]]
    semicolons = await imported(crm.admin, csv_file([header, *rows]), "a.csv")
    assert (semicolons["created"], semicolons["failed"]) == (1, 0)
    other = [["Anna", "Nowak", "anna@example.com", "500000002", "2024-01-31", "1234.56"]]
    commas = await imported(
        crm.admin, csv_file([header, *other], delimiter=",", bom=False), "b.csv"
    )
    assert (commas["created"], commas["failed"]) == (1, 0)
    anna, jan = await stored(crm)
    for contact in (anna, jan):
        assert contact["custom"]["dataUrodzenia"].date() == date(2024, 1, 31)
        assert contact["custom"]["obrot"].to_decimal() == Decimal("1234.56")


async def test_the_same_file_twice_in_upsert_mode_changes_nothing_the_second_time(crm):
    content = xlsx_file([HEADER, *ROWS])
    options = {"mode": "UPSERT", "matchOn": "email"}
    first = await imported(crm.admin, content, options=options)
    assert (first["created"], first["failed"]) == (2, 3)
    before = await stored(crm)
    second = await imported(crm.admin, content, options=options)
    assert (second["created"], second["updated"], second["skipped"], second["failed"]) == (
        0,
        0,
        3,
        3,
    )
    assert await stored(crm) == before


async def test_upsert_updates_what_changed_and_blank_cells_keep_stored_values(crm):
    header = ["Imię", "Nazwisko", "E-mail", "Miasto", "Obrót"]
    await imported(
        crm.admin,
        xlsx_file([header, ["Jan", "Kowalski", "jan@example.com", "Kraków", "10,5"]]),
        options={"mode": "UPSERT", "matchOn": "email"},
    )
    [before] = await stored(crm)
    job = await imported(
        crm.admin,
        xlsx_file([header, [None, "Nowak", "jan@example.com", None, "11"]]),
        options={"mode": "UPSERT", "matchOn": "email"},
    )
    assert (job["created"], job["updated"]) == (0, 1)
    [after] = await stored(crm)
    assert after["_id"] == before["_id"]
    assert (after["first_name"], after["last_name"]) == ("Jan", "Nowak")
    assert after["address"] == {"city": "Kraków"}
    assert after["custom"]["obrot"].to_decimal() == Decimal("11")
    assert after["updated_at"] > before["updated_at"]


async def test_create_only_skips_rows_that_match_and_upsert_needs_the_match_value(crm):
    header = ["Imię", "Nazwisko", "E-mail"]
    content = xlsx_file([header, ["Jan", "Kowalski", "jan@example.com"], ["Bez", "Maila", None]])
    first = await imported(crm.admin, content, options={"matchOn": "email"})
    assert (first["created"], first["skipped"]) == (2, 0)
    again = await imported(crm.admin, content, options={"matchOn": "email"})
    assert (again["created"], again["skipped"]) == (1, 1)  # the row without an email is new
    upsert = await imported(crm.admin, content, options={"mode": "UPSERT", "matchOn": "email"})
    assert (upsert["skipped"], upsert["failed"]) == (1, 1)
    assert errors_by_row(upsert) == {
        3: [("E-mail", None, "Needed to match the row with a contact (matchOn: email).")]
    }
    assert len(await stored(crm)) == 3


async def test_rows_match_on_a_unique_custom_field(crm):
    header = ["Imię", "Nazwisko", "Numer klienta", "Miasto"]
    await imported(crm.admin, xlsx_file([header, ["Jan", "Kowalski", 7, "Kraków"]]))
    job = await imported(
        crm.admin,
        xlsx_file([header, ["Jan", "Kowalski", "7", "Gdańsk"]]),
        options={"mode": "UPSERT", "matchOn": "numerKlienta"},
    )
    assert (job["created"], job["updated"]) == (0, 1)
    [contact] = await stored(crm)
    assert contact["address"]["city"] == "Gdańsk"


async def test_references_are_found_by_name_and_missing_ones_created_only_when_asked(crm):
    header = ["Imię", "Nazwisko", "Etap", "Stanowisko", "Źródło pozyskania", "Tagi"]
    row = ["Jan", "Kowalski", "Lead", "Kierownik", "Targi", "vip, nowy"]
    refused = await imported(crm.admin, xlsx_file([header, row]))
    assert refused["failed"] == 1
    assert {e[0] for e in errors_by_row(refused)[2]} == {
        "Etap",
        "Stanowisko",
        "Źródło pozyskania",
        "Tagi",
    }
    # A row that fails for another reason creates nothing either.
    bad = ["Anna", "", "Nowy etap", "Nowe stanowisko", None, None]
    job = await imported(
        crm.admin,
        xlsx_file([header, row, bad]),
        options={"createMissingReferences": True},
    )
    assert (job["created"], job["failed"]) == (1, 1)
    crm_doc = await Crm.get(PydanticObjectId(crm.crm_id))
    assert [s.name for s in crm_doc.stages] == ["Lead"]
    assert "Targi" in [s.name for s in crm_doc.acquisition_sources]
    tenant_id = crm_doc.tenant_id
    assert [p.name for p in await Position.find({"tenant_id": tenant_id}).to_list()] == [
        "Kierownik"
    ]
    # Now they exist: the same names are found, and the system source by its name.
    again = await imported(
        crm.admin,
        xlsx_file([header, ["Ewa", "Lis", "LEAD", "kierownik", "Połączenie przychodzące", "VIP"]]),
    )
    assert (again["created"], again["failed"]) == (1, 0)
    listed = await crm.admin.op("ImportedContacts")
    ewa = next(
        e["node"] for e in listed.data["contacts"]["edges"] if e["node"]["firstName"] == "Ewa"
    )
    assert ewa["stage"]["name"] == "Lead"
    assert ewa["position"]["name"] == "Kierownik"
    assert ewa["acquisitionSource"]["name"] == "Połączenie przychodzące"


async def test_a_dry_run_counts_and_reports_but_writes_nothing(crm):
    job = await imported(
        crm.admin,
        xlsx_file([HEADER, *ROWS]),
        options={"matchOn": "email", "dryRun": True},
    )
    assert (job["created"], job["skipped"], job["failed"]) == (2, 1, 3)
    assert set(errors_by_row(job)) == {3, 5, 7}
    assert await stored(crm) == []
