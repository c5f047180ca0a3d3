"""Hostile import files (issue 11, items 1 and 2): a sheet reaching XFD1048576, zip bombs, and
files beyond the bounds of columns, cells and rows. An agent's token is enough to send one.
Each is refused with VALIDATION_FAILED at ``file``, nothing stored, and the service lives on:
the file is read by a child process under limits, never by the service's own."""

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from beanie import PydanticObjectId

from app.sheet_limits import MAX_ARCHIVE_BYTES, MB, check_archive, check_dimension
from app.sheet_reading import open_sheet
from models.contact import Contact
from models.import_job import FileKind
from tests.client import GraphQLClient
from tests.conftest import running_service
from tests.hostile_files import huge_dimension_xlsx, long_cell_xlsx, shared_string_bomb_xlsx
from tests.import_support import csv_file, finished, upload, xlsx_file
from tests.records import CrmTenant, with_default_crm
from tests.test_import_refusals import nothing_stored

TOO_LARGE = "The file is larger than the import allows: "
GOOD = xlsx_file([["Imię", "Nazwisko"], ["Jan", "Kowalski"]])
MEMORY_BAR_MB = 1024


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    return await with_default_crm(tenant)


@pytest_asyncio.fixture
async def agent(crm: CrmTenant) -> GraphQLClient:
    """An agent of a project of the CRM: enough to import into it."""
    member = await crm.tenant.add_user(["AGENT"])
    created = await crm.admin.op(
        "CreateProject", input={"name": "Infolinia", "crmId": crm.crm_id, "memberIds": [member.id]}
    )
    assert not created.errors, created.errors
    return member.client


def _xlsx_without_dimension() -> bytes:
    return huge_dimension_xlsx(declared=False)


HOSTILE = {
    "a cell at XFD1048576 (declared)": (huge_dimension_xlsx, "16,384 columns wide"),
    "a cell at XFD1048576 (undeclared)": (_xlsx_without_dimension, "MB of memory"),
    "a 1,000 MiB shared string": (shared_string_bomb_xlsx, "sharedStrings.xml unpacks to 1,000"),
    "a 150 MiB shared string": (lambda: shared_string_bomb_xlsx(150), "compressed 1,0"),
    "1,001 columns": (lambda: xlsx_file([["Imię"] * 1001]), "1,001 columns wide"),
    "a cell of 32,768 characters": (lambda: long_cell_xlsx(32_768), "32,768 characters"),
    "a row of 224,000 characters": (
        lambda: xlsx_file([["Imię", "Nazwisko"], ["x" * 32_000] * 7]),
        "224,000 characters",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_spreadsheets_are_refused_with_nothing_stored(crm, agent, services, name):
    make, reason = HOSTILE[name]
    result = await upload(agent, make(), "kontakty.xlsx", options={"dryRun": True})
    assert result.error_code == "VALIDATION_FAILED", result.body
    assert result.error["extensions"]["field"] == "file"
    assert result.error["message"].startswith(TOO_LARGE)
    assert reason in result.error["message"]
    await nothing_stored(crm, services)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (csv_file([["Imię", "Nazwisko"], ["Jan", "x" * 40_000]]), "more than 32,767 characters"),
        (csv_file([["Imię", "Nazwisko"], ["Jan", "x" * 32_768]]), "32,768 characters"),
        (csv_file([["Imię", "Nazwisko"], ["J"] * 1_001]), "1,001 cells"),
    ],
)
async def test_csv_files_are_bounded_too(crm, services, content, reason):
    result = await upload(crm.admin, content, "kontakty.csv")
    assert result.error_code == "VALIDATION_FAILED", result.body
    assert result.error["extensions"]["field"] == "file"
    assert result.error["message"].startswith(TOO_LARGE)
    assert reason in result.error["message"]
    await nothing_stored(crm, services)


async def test_a_reader_past_its_wall_clock_limit_is_killed_and_the_file_refused(
    crm, services, monkeypatch
):
    monkeypatch.setattr(services.settings, "import_reader_timeout_seconds", 0.001)
    result = await upload(crm.admin, GOOD)
    assert result.error_code == "VALIDATION_FAILED", result.body
    assert result.error["extensions"]["field"] == "file"
    assert "took longer than 0.001 s" in result.error["message"]
    await nothing_stored(crm, services)


def test_an_archive_unpacking_to_more_than_its_bound_in_all_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(3):
            archive.writestr(f"part{number}.xml", "<x/>")
    with zipfile.ZipFile(buffer) as archive:
        check_archive(archive)
        for member in archive.infolist():  # as the central directory would declare them
            member.file_size, member.compress_size = 199 * MB, 10 * MB
        with pytest.raises(ValueError, match=f"at most {MAX_ARCHIVE_BYTES // MB} MB in all"):
            check_archive(archive)


@pytest.mark.parametrize(
    ("reference", "refused"),
    [
        ("A1:XFD1048576", "16,384 columns wide"),
        ("A1:ALL20001", "20,001,000 cells"),
        ("A1:ALL20000", None),
        ("B2:P100001", None),
        ("A1", None),
        ("nonsense", None),
    ],
)
def test_a_declared_dimension_beyond_the_bounds_is_refused(reference, refused):
    if refused is None:
        check_dimension(reference)
    else:
        with pytest.raises(ValueError, match=refused):
            check_dimension(reference)


def test_the_reader_sends_every_cell_type_back_as_it_was(tmp_path: Path):
    path = tmp_path / "types.xlsx"
    day, moment = date(2024, 1, 31), datetime(2024, 1, 31, 12, 30)
    header = ["Imię", "Liczba", "Data", "Chwila", "Flaga"]
    path.write_bytes(xlsx_file([header, ["Ż", 1.5, day, moment, True]]))
    sheet = open_sheet(path)
    try:
        assert sheet.info.kind is FileKind.XLSX
        assert [cells for _, cells in sheet.rows()] == [["Ż", 1.5, day, moment, True]]
    finally:
        sheet.close()


async def _replace_queued_file(services, job_id: str, content: bytes) -> None:
    for stored in (Path(services.settings.data_dir) / "imports").glob(f"{job_id}.*"):
        stored.write_bytes(content)


@pytest_asyncio.fixture
async def jobs_stopped(services):
    """The app's job runner stopped, so that a queued job's file can be changed first."""
    await services.jobs.stop()
    try:
        yield
    finally:
        await services.jobs.start()


async def test_a_job_whose_file_crashes_the_reader_ends_failed_and_is_not_retried(
    crm, services, jobs_stopped
):
    queued = await upload(crm.admin, GOOD)
    job_id = queued.data["importContacts"]["id"]
    await _replace_queued_file(services, job_id, _xlsx_without_dimension())
    await services.jobs.start()
    job = await finished(crm.admin, job_id)
    assert job["status"] == "FAILED"
    assert TOO_LARGE in job["message"]
    assert "MB of memory" in job["message"]
    await services.jobs.stop()
    await services.jobs.start()  # a new start does not take the job again
    again = (await crm.admin.op("ImportJob", id=job_id)).data["importJob"]
    assert (again["status"], again["message"]) == ("FAILED", job["message"])


async def test_a_job_whose_reader_fails_halfway_keeps_the_rows_written_before(
    crm, services, jobs_stopped
):
    queued = await upload(crm.admin, GOOD)
    job_id = queued.data["importContacts"]["id"]
    rows = [[f"Jan{n}", f"Kowalski{n}"] for n in range(1000)]
    await _replace_queued_file(
        services, job_id, xlsx_file([["Imię", "Nazwisko"], *rows, ["x" * 32_000] * 7])
    )
    await services.jobs.start()
    job = await finished(crm.admin, job_id)
    assert job["status"] == "FAILED"
    assert "row 1002 holds 224,000 characters" in job["message"]
    stored = await Contact.get_pymongo_collection().count_documents(
        {"crm_id": PydanticObjectId(crm.crm_id)}
    )
    assert job["created"] == job["processed"] == stored < 1000


def _service_pid(base_url: str) -> int:
    """The ``crm serve`` process listening on the URL's port (running_service's child)."""
    port = base_url.rsplit(":", 1)[1].encode()
    for process in Path("/proc").iterdir():
        if process.name.isdigit():
            try:
                arguments = (process / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in arguments and port in arguments:
                return int(process.name)
    raise AssertionError(f"no service process on {base_url}")


def _peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


async def test_the_service_process_refuses_both_files_within_its_memory_and_lives_on(
    crm, agent, settings, data_dir, capsys
):
    with running_service(settings, data_dir) as live:
        pid = _service_pid(live.base_url)
        async with httpx.AsyncClient(base_url=live.base_url, timeout=120) as http:
            client = GraphQLClient(http, agent.token)
            for make in (huge_dimension_xlsx, _xlsx_without_dimension, shared_string_bomb_xlsx):
                result = await upload(client, make(), options={"dryRun": True})
                assert result.error_code == "VALIDATION_FAILED", result.body
            peak = _peak_memory_mb(pid)
            assert (await client.op("Me")).errors == []
            assert (await upload(client, GOOD, options={"dryRun": True})).errors == []
    with capsys.disabled():
        print(f"\nservice peak memory while refusing the hostile files: {peak:.0f} MB")
    assert peak < MEMORY_BAR_MB
