"""The failed rows' file of an import is in one language (issue 12, item 13): Polish or English,
as the request's Accept-Language prefers (Polish when it names neither), its error column's
header and every message; ``crm import`` writes it in its locale's language (LANG), or English.
``ImportJob.errors`` stays English."""

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_asyncio

from models.field_definition import FieldType
from models.import_messages import (
    POLISH,
    Language,
    accepted_language,
    locale_language,
    polish,
)
from tests.conftest import service_env
from tests.import_support import csv_file, imported
from tests.records import CrmTenant, define_fields, with_default_crm

HEADER = ["Imię", "Nazwisko", "E-mail", "Telefon", "Etap", "rok", "urodziny", "vip", "segment"]
ROWS = [
    ["Jan", "", "jan@example.com", "", "", "", "", "", ""],  # no last name
    ["Anna", "Nowak", "nie-mail", "", "", "dużo", "", "", ""],  # email, whole number
    ["Ewa", "Lis", "", "123", "Nieznany", "", "32.13.2020", "może", "Z"],  # 5 problems
    ["Olga", "Mak", "olga@example.com", "", "", "1990", "", "TAK", "A"],  # imported
]
FIELDS = {
    "rok": (FieldType.INTEGER, [], False, False),
    "urodziny": (FieldType.DATE, [], False, False),
    "vip": (FieldType.FLAG, [], False, False),
    "segment": (FieldType.SELECT, ["A", "B"], False, False),
}


@pytest_asyncio.fixture
async def job(tenant) -> tuple[CrmTenant, dict]:
    crm = await with_default_crm(tenant)
    await define_fields(tenant, FIELDS)
    job = await imported(crm.admin, csv_file([HEADER, *ROWS]), "kontakty.csv")
    assert (job["created"], job["failed"]) == (1, 3), job
    return crm, job


async def _errors_csv(crm: CrmTenant, job: dict, **headers: str) -> list[list[str]]:
    response = await crm.admin.http.get(
        job["errorsCsvUrl"], headers={"Authorization": f"Bearer {crm.admin.token}", **headers}
    )
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _messages(lines: list[list[str]]) -> list[str]:
    """The messages of the error column: "column: message; column: message"."""
    return [part.split(": ", 1)[-1] for line in lines[1:] for part in line[-1].split("; ") if part]


def _stored_messages(job: dict) -> list[str]:
    return [edge["node"]["message"] for edge in job["errors"]["edges"]]


@pytest.mark.parametrize("accept", ["pl-PL,pl;q=0.9,en;q=0.8", "pl", None, "de-DE", "en;q=0"])
async def test_the_file_is_polish_when_asked_for_or_when_no_language_is_named(job, accept):
    crm, job = job
    headers = {"Accept-Language": accept} if accept else {}
    lines = await _errors_csv(crm, job, **headers)
    assert lines[0] == [*HEADER, "Błędy importu"]
    stored = _stored_messages(job)
    assert len(stored) == 8, stored
    assert _messages(lines) == [polish(message) for message in stored]
    assert "Nowy kontakt musi mieć nazwisko." in lines[1][-1]
    assert "rok: Musi być liczbą." in lines[2][-1]
    assert "urodziny: Musi być datą: RRRR-MM-DD lub DD.MM.RRRR." in lines[3][-1]
    assert not set(_messages(lines)) & set(stored)  # no English message left


@pytest.mark.parametrize("accept", ["en-US,en;q=0.9,pl;q=0.5", "en", "de, en-GB;q=0.7"])
async def test_the_file_is_english_when_english_is_preferred(job, accept):
    crm, job = job
    lines = await _errors_csv(crm, job, **{"Accept-Language": accept})
    assert lines[0] == [*HEADER, "Import errors"]
    assert _messages(lines) == _stored_messages(job)
    assert "A new contact needs a last name." in lines[1][-1]
    assert not any("ć" in message or "ę" in message for message in _messages(lines))


async def test_the_graphql_errors_stay_english(job):
    _, job = job
    assert "Must be a number." in _stored_messages(job)


async def test_either_file_fixed_and_imported_again_has_no_unknown_column(job):
    crm, job = job
    for accept in ("pl", "en"):
        lines = await _errors_csv(crm, job, **{"Accept-Language": accept})
        fixed = [lines[0], ["Jan", "Kowalski", f"jan.{accept}@example.com", *[""] * 6, "x"]]
        again = await imported(crm.admin, csv_file(fixed), "poprawione.csv")
        assert again["unknownColumns"] == [], again
        assert (again["created"], again["failed"]) == (1, 0), again


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "pl_PL.UTF-8"}, Language.PL),
        ({"LANG": "en_US.UTF-8"}, Language.EN),
        ({"LANG": "C.UTF-8"}, Language.EN),
        ({}, Language.EN),
        ({"LANG": "pl_PL.UTF-8", "LC_ALL": "en_GB.UTF-8"}, Language.EN),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "pl_PL"}, Language.PL),
    ],
)
def test_the_command_line_takes_the_language_of_its_locale(environ, language):
    assert locale_language(environ) is language


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("pl", Language.PL),
        ("en", Language.EN),
        ("en-US,en;q=0.9", Language.EN),
        ("en;q=0.5, pl;q=0.8", Language.PL),
        ("de, fr;q=0.9", Language.PL),
        ("en;q=0", Language.PL),
        ("*", Language.PL),
        ("en;q=bad, pl;q=0.1", Language.PL),
        ("", Language.PL),
        (None, Language.PL),
    ],
)
def test_accept_language_picks_polish_or_english(header, language):
    assert accepted_language(header) is language


@pytest.mark.parametrize("english", list(POLISH))
def test_every_message_of_the_catalogue_has_the_same_parameters_in_polish(english):
    names = set(re.findall(r"\{(\w+)\}", english))
    assert set(re.findall(r"\{(\w+)\}", POLISH[english])) == names
    values = {name: f"<{name}-7>" for name in names}
    assert polish(english.format(**values)) == POLISH[english].format(**values)


def test_a_message_the_catalogue_lacks_has_no_polish_text():
    assert polish("Something new went wrong.") is None


def _crm_import(path: Path, company: str, lang: str, settings) -> int:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "import",
            str(path),
            "--company",
            company,
            "--crm",
            "Sprzedaż",
        ],
        env={**service_env(settings), "LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode


async def test_crm_import_writes_failed_rows_in_the_locales_language(tenant, settings, tmp_path):
    await with_default_crm(tenant)
    for lang, header, message in (
        ("pl_PL.UTF-8", "Błędy importu", "Nowy kontakt musi mieć nazwisko."),
        ("en_US.UTF-8", "Import errors", "A new contact needs a last name."),
    ):
        path = tmp_path / f"{lang}.csv"
        path.write_text("Imię;Nazwisko\nJan;\n", "utf-8")
        assert _crm_import(path, tenant.name, lang, settings) == 2  # some rows failed
        text = path.with_name(f"{path.name}.errors.csv").read_text("utf-8-sig")
        assert header in text, text
        assert message in text, text
