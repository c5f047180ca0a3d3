"""Contact exports: files with the import's columns, downloads, filters, and the round trip:
an export imported again in UPSERT mode changes nothing."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from beanie import PydanticObjectId

from app.spreadsheets import open_sheet
from models.contact import Contact
from models.export_job import ExportFormat, ExportJob
from models.import_job import FileKind
from resolvers.exports.storage import export_path, sweep_expired_exports
from tests.client import NO_SUCH_ID
from tests.conftest import service_env
from tests.import_support import export_finished, imported, xlsx_file
from tests.records import CUSTOM_CONTACT_FIELDS, CrmTenant, define_fields, with_default_crm

HEADER = [
    "Imię",
    "Nazwisko",
    "E-mail",
    "Telefon",
    "Etap",
    "Stanowisko",
    "Źródło pozyskania",
    "Tagi",
    "Kraj",
    "Województwo",
    "Miasto",
    "Kod pocztowy",
    "Adres 1",
    "Adres 2",
    "Firma",
    "rokZalozenia",
    "nip",
    "segment",
    "zainteresowania",
    "obrot",
    "vip",
    "dataUrodzenia",
    "strona",
    "notatka",
    "numerKlienta",
]
ROWS = [
    [
        "Jan",
        "Kowalski",
        "jan@example.com",
        "+48 500 000 001, 22 123 45 67",
        "Lead",
        "Kierownik",
        "Targi",
        "vip, nowy",
        "pl",
        "małopolskie",
        "Kraków",
        "30-001",
        "ul. Długa 1",
        "m. 2",
        "Acme",
        1995,
        "PL 123",
        "b",
        "kino; sport",
        "1 234,56",
        "TAK",
        date(1990, 1, 2),
        "https://example.com/jan",
        "Notatka; z przecinkiem, i średnikiem",
        1001,
    ],
    [
        "Anna",
        "Nowak",
        "anna@example.com",
        None,
        "Klient",
        None,
        None,
        None,
        None,
        None,
        "Gdańsk",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "0,1",
        "NIE",
        None,
        None,
        None,
        1002,
    ],
    [
        "Łukasz",
        "Żak",
        None,
        "500000003",
        None,
        None,
        None,
        "nowy",
        None,
        None,
        "Kraków",
        None,
        None,
        None,
        "Acme",
        None,
        None,
        None,
        None,
        "12345678901234.5",
        None,
        None,
        None,
        None,
        None,
    ],
]


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    crm = await with_default_crm(tenant)
    await define_fields(tenant, CUSTOM_CONTACT_FIELDS)
    created = await crm.admin.op(
        "CreateOrganizationToImport", input={"name": "Acme", "taxId": "5260250274"}
    )
    assert created.data["createOrganization"]["taxId"] == "5260250274"
    job = await imported(
        crm.admin, xlsx_file([HEADER, *ROWS]), options={"createMissingReferences": True}
    )
    assert (job["created"], job["failed"]) == (3, 0), job["errors"]
    return crm


async def stored(crm: CrmTenant) -> list[dict]:
    rows = (
        await Contact.get_pymongo_collection()
        .find({"crm_id": PydanticObjectId(crm.crm_id)})
        .to_list()
    )
    return sorted(rows, key=lambda row: str(row["_id"]))


async def export(crm: CrmTenant, tmp_path: Path, format: str, **variables) -> tuple[dict, Path]:
    started = await crm.admin.op("ExportContacts", format=format, **variables)
    job = await export_finished(crm.admin, started.data["exportContacts"]["id"])
    assert job["status"] == "COMPLETED", job
    response = await crm.admin.http.get(
        job["downloadUrl"], headers={"Authorization": f"Bearer {crm.admin.token}"}
    )
    assert response.status_code == 200
    assert job["fileName"].endswith(format.lower())
    path = tmp_path / f"export.{format.lower()}"
    path.write_bytes(response.content)
    return job, path


def read(path: Path, kind: FileKind) -> tuple[list[str], list[list]]:
    sheet = open_sheet(path, kind)
    try:
        return sheet.headers, [cells for _, cells in sheet.rows()]
    finally:
        sheet.close()


async def test_an_export_has_the_import_columns_and_one_row_per_contact(crm, tmp_path):
    job, path = await export(crm, tmp_path, "XLSX")
    assert (job["total"], job["processed"]) == (3, 3)
    columns = (await crm.admin.op("ImportColumns")).data["importColumns"]
    headers, rows = read(path, FileKind.XLSX)
    assert headers == [c["header"] for c in columns]
    by_email = {row[headers.index("E-mail")]: dict(zip(headers, row, strict=True)) for row in rows}
    jan = by_email["jan@example.com"]
    assert jan["Telefon"] == "+48500000001, +48221234567"
    assert (jan["Etap"], jan["Stanowisko"], jan["Źródło pozyskania"]) == (
        "Lead",
        "Kierownik",
        "Targi",
    )
    # The custom field "nip" takes the header NIP: the organization's tax ID is "Tax ID".
    assert (jan["Organizacja"], jan["Tax ID"], jan["nip"]) == ("Acme", "5260250274", "PL 123")
    assert jan["zainteresowania"] == "kino; sport"
    assert jan["vip"] is True
    assert jan["dataUrodzenia"] == date(1990, 1, 2)
    assert jan["obrot"] == 1234.56


@pytest.mark.parametrize("format", ["XLSX", "CSV"])
@pytest.mark.parametrize("match_on", ["id", "email", "numerKlienta"])
async def test_an_export_imported_again_in_upsert_mode_changes_nothing(
    crm, tmp_path, format, match_on
):
    before = await stored(crm)
    _, path = await export(crm, tmp_path, format)
    job = await imported(
        crm.admin,
        path.read_bytes(),
        path.name,
        options={"mode": "UPSERT", "matchOn": match_on},
    )
    assert job["unknownColumns"] == []
    keyed = {"id": 3, "email": 2, "numerKlienta": 2}[match_on]
    assert (job["created"], job["updated"], job["skipped"]) == (0, 0, keyed)
    assert job["failed"] == 3 - keyed  # rows without the match value
    assert await stored(crm) == before


async def test_a_csv_export_keeps_formulas_text_and_imports_back_unchanged(crm, tmp_path):
    formula = '=HYPERLINK("http://example.com","kliknij")'
    created = await crm.admin.op(
        "CreateContact",
        input={
            "firstName": "@SUM(A1)",
            "lastName": formula,
            "phones": [{"number": "+48 500 000 009"}],
            "address": {"line1": "-2+3*A1"},
            "tags": ["-2+3"],
        },
    )
    assert not created.errors
    before = await stored(crm)

    _, path = await export(crm, tmp_path, "CSV")

    text = path.read_text(encoding="utf-8-sig")
    assert "'@SUM(A1)" in text
    assert "'-2+3*A1" in text
    assert ";'-2+3;" in text
    assert "'=HYPERLINK(" in text
    assert "+48500000009" in text
    assert "'+48500000009" not in text
    job = await imported(
        crm.admin, path.read_bytes(), path.name, options={"mode": "UPSERT", "matchOn": "id"}
    )
    assert (job["created"], job["updated"], job["skipped"], job["failed"]) == (0, 0, 4, 0)
    assert await stored(crm) == before


async def test_an_export_holds_only_the_contacts_the_filter_matches(crm, tmp_path):
    job, path = await export(
        crm, tmp_path, "CSV", filter={"city": {"eq": "kraków"}, "tags": {"hasAny": ["nowy"]}}
    )
    assert job["total"] == 2
    headers, rows = read(path, FileKind.CSV)
    assert sorted(row[headers.index("Imię")] for row in rows) == ["Jan", "Łukasz"]


async def test_exports_of_another_company_and_unfinished_ones_cannot_be_downloaded(crm, new_tenant):
    started = await crm.admin.op("ExportContacts", format="XLSX")
    job = await export_finished(crm.admin, started.data["exportContacts"]["id"])
    other = await with_default_crm(await new_tenant())
    assert (await other.admin.op("ExportJob", id=job["id"])).error_code == "NOT_FOUND"
    assert (await other.admin.op("ExportJob", id=NO_SUCH_ID)).error_code == "NOT_FOUND"
    refused = await other.admin.http.get(
        job["downloadUrl"], headers={"Authorization": f"Bearer {other.admin.token}"}
    )
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await crm.admin.http.get(job["downloadUrl"])).status_code == 401
    running = ExportJob(
        tenant_id=PydanticObjectId(crm.tenant.id),
        crm_id=PydanticObjectId(crm.crm_id),
        user_id=PydanticObjectId(),
        file_name="x.xlsx",
        format=ExportFormat.XLSX,
        query="{}",
        status="RUNNING",
        owner="elsewhere:1:x",
    )
    await running.insert()
    early = await crm.admin.http.get(
        f"/exports/{running.id}", headers={"Authorization": f"Bearer {crm.admin.token}"}
    )
    assert early.status_code == 409
    assert early.json()["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_an_exports_file_is_kept_for_the_retention_then_gone(crm, services):
    settings = services.settings
    started = await crm.admin.op("ExportContacts", format="CSV")
    job = await export_finished(crm.admin, started.data["exportContacts"]["id"])
    kept = timedelta(hours=settings.export_retention_hours)
    finished_at = datetime.fromisoformat(job["finishedAt"])
    assert datetime.fromisoformat(job["expiresAt"]) == finished_at + kept
    headers = {"Authorization": f"Bearer {crm.admin.token}"}
    path = export_path(settings, PydanticObjectId(job["id"]), ExportFormat.CSV)

    sweep_expired_exports(settings)
    assert (await crm.admin.http.get(job["downloadUrl"], headers=headers)).status_code == 200
    written_long_ago = (datetime.now(UTC) - kept - timedelta(minutes=1)).timestamp()
    os.utime(path, (written_long_ago, written_long_ago))
    assert sweep_expired_exports(settings) >= 1

    assert not path.exists()
    gone = await crm.admin.http.get(job["downloadUrl"], headers=headers)
    assert gone.status_code == 410
    assert gone.json()["errors"][0]["extensions"]["code"] == "GONE"
    unfinished = await crm.admin.op("ExportContacts", format="XLSX")
    assert unfinished.data["exportContacts"]["expiresAt"] is None


def crm_command(*args: str, settings) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=service_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_command_line_exports_and_imports_a_crm(crm, settings, tmp_path):
    before = await stored(crm)
    company, crm_name = crm.tenant.name, "Sprzedaż"
    output = tmp_path / "kontakty.xlsx"
    done = crm_command(
        "export", str(output), "--company", company, "--crm", crm_name, settings=settings
    )
    assert done.returncode == 0, done.stderr
    assert "3/3 rows" in done.stderr
    _, rows = read(output, FileKind.XLSX)
    assert len(rows) == 3
    again = crm_command(
        "import",
        str(output),
        "--company",
        company,
        "--crm",
        crm_name,
        "--mode",
        "upsert",
        "--match-on",
        "id",
        settings=settings,
    )
    assert again.returncode == 0, again.stderr
    assert "skipped 3" in again.stderr
    assert await stored(crm) == before
    new = tmp_path / "nowi.csv"
    new.write_text("Imię;Nazwisko;E-mail\nEwa;Lis;ewa@example.com\nZły;Mail;zly\n", "utf-8")
    added = crm_command(
        "import", str(new), "--company", company, "--crm", crm_name, settings=settings
    )
    assert added.returncode == 2, added.stderr  # some rows failed
    assert "created 1" in added.stderr
    assert "failed 1" in added.stderr
    assert "errors.csv" in added.stderr
    assert len(await stored(crm)) == 4
    refused = crm_command(
        "import",
        str(new),
        "--company",
        company,
        "--crm",
        crm_name,
        "--mode",
        "upsert",
        settings=settings,
    )
    assert refused.returncode != 0
    assert "options.matchOn" in refused.stderr
    unknown = crm_command(
        "import", str(new), "--company", "Nie ma takiej", "--crm", crm_name, settings=settings
    )
    assert "no company" in unknown.stderr
