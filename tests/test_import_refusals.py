"""What an import refuses at once: files that are not spreadsheets, are encrypted or damaged,
too large or too long, and options that do not fit the file. Each refusal has its code and
field, and leaves nothing stored: no job, no contact, no file."""

import io
import zipfile
from pathlib import Path

import pytest
import pytest_asyncio
from beanie import PydanticObjectId

from models.contact import Contact
from models.import_job import ImportJob
from tests.client import NO_SUCH_ID, field_paths
from tests.import_support import csv_file, imported, upload, xlsx_file
from tests.records import CrmTenant, with_default_crm

GOOD = xlsx_file([["Imię", "Nazwisko"], ["Jan", "Kowalski"]])
# An OLE2 (Compound File) header and the stream names of an encrypted Office document.
ENCRYPTED = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le") * 4
)


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    return await with_default_crm(tenant)


async def nothing_stored(crm: CrmTenant, services) -> None:
    crm_id = PydanticObjectId(crm.crm_id)
    assert await ImportJob.find({"crm_id": crm_id}).count() == 0
    assert await Contact.get_pymongo_collection().count_documents({"crm_id": crm_id}) == 0
    uploads = Path(services.settings.data_dir) / "imports"
    assert not list(uploads.glob("*.upload"))


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "file_name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "kontakty.xlsx", "neither a spreadsheet"),
        (ENCRYPTED, "kontakty.xlsx", "encrypted"),
        (GOOD[: len(GOOD) // 2], "kontakty.xlsx", "damaged"),
        (_zip_without_workbook(), "kontakty.xlsx", "not a spreadsheet"),
        (b"", "kontakty.csv", "empty"),
        (b"\r\n\r\n", "kontakty.csv", "empty"),
    ],
)
async def test_files_that_cannot_be_read_answer_bad_request(
    crm, services, content, file_name, message
):
    result = await upload(crm.admin, content, file_name)
    assert result.error_code == "BAD_REQUEST", result.body
    assert result.error["extensions"]["field"] == "file"
    assert message in result.error["message"]
    await nothing_stored(crm, services)


async def test_options_that_do_not_fit_the_file_are_all_reported(crm, services):
    result = await upload(
        crm.admin,
        xlsx_file([["Imię", "Miasto"], ["Jan", "Kraków"]]),
        options={
            "mode": "UPSERT",
            "matchOn": "email",
            "mapping": [{"header": "Nie ma", "field": "city"}],
        },
    )
    assert field_paths(result) == {
        "options.mapping.0.header",
        "options.mapping.0.field",
        "options.matchOn",
    }
    missing = await upload(crm.admin, xlsx_file([["Imię", "Miasto"], ["Jan", "Kraków"]]))
    assert field_paths(missing) == {"file"}
    assert "lastName" in missing.error["message"]
    no_key = await upload(crm.admin, GOOD, options={"mode": "UPSERT"})
    assert field_paths(no_key) == {"options.matchOn"}
    not_unique = await upload(crm.admin, GOOD, options={"matchOn": "city"})
    assert field_paths(not_unique) == {"options.matchOn"}
    sheet = await upload(crm.admin, GOOD, options={"sheet": "Arkusz2"})
    assert field_paths(sheet) == {"options.sheet"}
    assert "Kontakty" in sheet.error["message"]
    await nothing_stored(crm, services)


async def test_the_mapping_names_columns_detection_would_miss_or_ignores_some(crm):
    job = await imported(
        crm.admin,
        xlsx_file([["Kto", "Nazwisko", "Kolor"], ["Jan", "Kowalski", "zielony"]]),
        options={
            "mapping": [
                {"header": "kto", "field": "firstName"},
                {"header": "Kolor", "field": None},
            ]
        },
    )
    assert (job["created"], job["unknownColumns"]) == (1, [])
    assert {c["header"]: c["field"] for c in job["columns"]} == {
        "Kto": "firstName",
        "Nazwisko": "lastName",
        "Kolor": None,
    }


async def test_a_file_over_the_size_limit_is_refused(crm, services, monkeypatch):
    monkeypatch.setattr(services.settings, "import_max_mb", 1)
    row = ["Jan", "Kowalski", "x" * 200]
    big = csv_file([["Imię", "Nazwisko", "Notatka"], *[row] * 6000])
    assert 1 << 20 < len(big) < 2 << 20
    result = await upload(crm.admin, big, "big.csv")
    assert result.status == 200
    assert result.error_code == "BAD_REQUEST"
    assert result.error["extensions"]["maxMb"] == 1
    huge = big * 2  # past the limit with the multipart overhead: refused before it is read
    refused = await upload(crm.admin, huge, "huge.csv")
    assert refused.status == 413
    assert refused.error_code == "BAD_REQUEST"
    await nothing_stored(crm, services)


async def test_a_file_over_a_million_rows_is_refused(crm, services):
    content = b"Imi\xc4\x99;Nazwisko\r\n" + b"J;K\r\n" * 1_000_001
    result = await upload(crm.admin, content, "million.csv")
    assert result.error_code == "BAD_REQUEST"
    assert result.error["extensions"]["maxRows"] == 1_000_000
    assert "1,000,001" in result.error["message"]
    await nothing_stored(crm, services)


async def test_uploads_need_a_bearer_token(crm, services):
    result = await upload(crm.admin.as_(None), GOOD)
    assert result.status == 401
    assert result.error_code == "UNAUTHENTICATED"
    await nothing_stored(crm, services)


async def test_another_companys_crm_and_jobs_behave_as_if_they_did_not_exist(crm, new_tenant):
    job = await imported(crm.admin, GOOD)
    other = await with_default_crm(await new_tenant())
    assert (await upload(other.admin, GOOD, crmId=crm.crm_id)).error_code == "NOT_FOUND"
    assert (await other.admin.op("ImportColumns", crmId=crm.crm_id)).error_code == "NOT_FOUND"
    for name in ("ImportJob", "CancelImport"):
        assert (await other.admin.op(name, id=job["id"])).error_code == "NOT_FOUND"
        assert (await other.admin.op(name, id=NO_SUCH_ID)).error_code == "NOT_FOUND"
    listed = await other.admin.op("ImportJobs")
    assert listed.data["importJobs"]["edges"] == []
    response = await other.admin.http.get(
        job["errorsCsvUrl"], headers={"Authorization": f"Bearer {other.admin.token}"}
    )
    assert response.status_code == 404


async def test_agents_outside_the_crms_projects_cannot_import(crm, tenant, services):
    agent = await tenant.add_user(["AGENT"])
    assert (await upload(agent.client, GOOD)).error_code == "FORBIDDEN"
    await nothing_stored(crm, services)
