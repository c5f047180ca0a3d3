"""Import jobs: the file of failed rows, the list of jobs, cancelling, progress over a
subscription, and a service process killed in the middle of an import."""

import asyncio
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from beanie import PydanticObjectId
from websockets.asyncio.client import connect

from models.contact import Contact
from tests.conftest import free_port, service_env, wait_until_ready
from tests.import_support import FINISHED, XLSX, csv_file, finished, imported, upload, xlsx_file
from tests.operations import document
from tests.records import CrmTenant, with_default_crm

HEADER = ["Imię", "Nazwisko", "E-mail", "Telefon", "Kolor"]
# A service busy importing answers between two batches: on a loaded machine, seconds.
REQUEST_SECONDS = 120


@pytest_asyncio.fixture
async def crm(tenant) -> CrmTenant:
    return await with_default_crm(tenant)


def many_rows(count: int) -> bytes:
    rows = [[f"Jan{i}", f"Kowalski{i}", f"jan{i}@example.com", None, None] for i in range(count)]
    return csv_file([HEADER, *rows])


async def contact_count(crm: CrmTenant) -> int:
    crm_id = PydanticObjectId(crm.crm_id)
    return await Contact.get_pymongo_collection().count_documents({"crm_id": crm_id})


async def test_the_failed_rows_come_back_as_they_were_to_be_fixed_and_imported_again(crm):
    rows = [
        ["Jan", "Kowalski", "jan@example.com", "500000001", "zielony"],
        ["Anna", "Nowak", "anna(at)example.com", "500000002", "niebieski"],
        ["Ewa", "Lis", "ewa@example.com", "12", ""],
    ]
    job = await imported(crm.admin, xlsx_file([HEADER, *rows]))
    assert (job["created"], job["failed"]) == (1, 2)
    response = await crm.admin.http.get(
        job["errorsCsvUrl"], headers={"Authorization": f"Bearer {crm.admin.token}"}
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0] == [*HEADER, "Błędy importu"]
    assert [line[:5] for line in lines[1:]] == [rows[1], rows[2]]
    assert lines[1][5] == "E-mail: To nie jest poprawny adres e-mail."  # Polish: no Accept-Language
    assert lines[2][5] == "Telefon: Taki numer telefonu nie może istnieć."
    lines[1][2], lines[2][3] = "anna@example.com", "500000003"
    fixed = io.StringIO()
    csv.writer(fixed, delimiter=";").writerows(lines)
    again = await imported(crm.admin, fixed.getvalue().encode(), "fixed.csv")
    assert (again["created"], again["failed"], again["unknownColumns"]) == (2, 0, ["Kolor"])
    assert await contact_count(crm) == 3
    anonymous = await crm.admin.http.get(job["errorsCsvUrl"])
    assert anonymous.status_code == 401


async def test_errors_are_paged_in_row_order(crm):
    rows = [["Jan", "K", f"bad{i}", f"{i}"] for i in range(5)]
    job = await imported(crm.admin, xlsx_file([HEADER[:4], *rows]))
    assert job["errors"]["totalCount"] == 10
    seen, after = [], None
    while True:
        page = (await crm.admin.op("ImportJob", id=job["id"], first=3, after=after)).data
        errors = page["importJob"]["errors"]
        seen += [(e["node"]["row"], e["node"]["column"]) for e in errors["edges"]]
        if not errors["pageInfo"]["hasNextPage"]:
            break
        after = errors["pageInfo"]["endCursor"]
    assert seen == [(row, column) for row in range(2, 7) for column in ("E-mail", "Telefon")]


async def test_jobs_are_listed_latest_first(crm):
    first = await imported(crm.admin, many_rows(1), "first.csv")
    second = await imported(crm.admin, many_rows(1), "second.csv")
    listed = (await crm.admin.op("ImportJobs", first=1)).data["importJobs"]
    assert [e["node"]["id"] for e in listed["edges"]] == [second["id"]]
    more = await crm.admin.op("ImportJobs", first=5, after=listed["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in more.data["importJobs"]["edges"]] == [first["id"]]


async def written_some(crm: CrmTenant, job_id: str, polls: int = 2000) -> dict:
    """The job once it has written a batch (bounded polling through the API)."""
    for _ in range(polls):
        job = (await crm.admin.op("ImportJob", id=job_id, first=1)).data["importJob"]
        if job["processed"] > 0 or job["status"] in FINISHED:
            return job
        await asyncio.sleep(0.01)
    raise AssertionError(f"import {job_id} wrote nothing: {job}")


async def test_a_cancelled_import_stops_and_counts_exactly_what_it_wrote(crm):
    started = (await upload(crm.admin, many_rows(5000), "many.csv")).data["importContacts"]
    running = await written_some(crm, started["id"])
    assert running["status"] == "RUNNING"
    cancelled = (await crm.admin.op("CancelImport", id=started["id"])).data["cancelImport"]
    assert cancelled["status"] not in FINISHED
    job = await finished(crm.admin, started["id"])
    assert job["status"] == "CANCELLED"
    assert job["processed"] < job["total"] == 5000
    assert job["created"] == await contact_count(crm) == job["processed"]


async def test_progress_is_pushed_over_a_subscription_until_the_job_is_finished(
    live_server, tenant
):
    crm = await with_default_crm(tenant)
    operations = {
        "query": document("ImportContacts"),
        "operationName": "ImportContacts",
        "variables": {"file": None},
    }
    response = await asyncio.to_thread(
        httpx.post,
        f"{live_server.base_url}/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("many.csv", many_rows(3000), XLSX)},
        headers={"Authorization": f"Bearer {tenant.admin.token}"},
        timeout=REQUEST_SECONDS,
    )
    job_id = response.json()["data"]["importContacts"]["id"]
    seen = []
    async with connect(live_server.ws_url, subprotocols=["graphql-transport-ws"]) as socket:
        init = {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {tenant.admin.token}"},
        }
        await socket.send(json.dumps(init))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        subscribe = {
            "id": "1",
            "type": "subscribe",
            "payload": {
                "query": document("ImportJobProgress"),
                "operationName": "ImportJobProgress",
                "variables": {"id": job_id},
            },
        }
        await socket.send(json.dumps(subscribe))
        while (message := json.loads(await socket.recv()))["type"] == "next":
            seen.append(message["payload"]["data"]["importJobProgress"])
        assert message["type"] == "complete"
    assert seen[-1]["status"] == "COMPLETED"
    assert seen[-1]["processed"] == seen[-1]["created"] == 3000
    processed = [state["processed"] for state in seen]
    assert processed == sorted(processed)
    assert len(await Contact.find({"crm_id": PydanticObjectId(crm.crm_id)}).to_list()) == 3000


class Service:
    """``crm serve`` in a child process that a test may kill."""

    def __init__(self, settings, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", str(self.port)],
                env=service_env(settings),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(self.url, self.process)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _job(service: Service, token: str, job_id: str) -> dict:
    response = httpx.post(
        f"{service.url}/graphql",
        json={
            "query": document("ImportJob"),
            "operationName": "ImportJob",
            "variables": {"id": job_id},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=REQUEST_SECONDS,
    )
    return response.json()["data"]["importJob"]


def _import_and_kill(settings, tmp_path: Path, token: str, rows: int) -> tuple[str, dict]:
    """Starts an import on a service process and kills the process once a batch is stored."""
    service = Service(settings, tmp_path / "first.log")
    try:
        operations = {
            "query": document("ImportContacts"),
            "operationName": "ImportContacts",
            "variables": {"file": None},
        }
        response = httpx.post(
            f"{service.url}/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": ("many.csv", many_rows(rows), XLSX)},
            headers={"Authorization": f"Bearer {token}"},
            timeout=REQUEST_SECONDS,
        )
        job_id = response.json()["data"]["importContacts"]["id"]
        for _ in range(5000):
            job = _job(service, token, job_id)
            if job["processed"] > 0 or job["status"] in FINISHED:
                break
            time.sleep(0.01)
        service.kill()
    finally:
        service.stop()
    return job_id, job


@pytest_asyncio.fixture
async def only_services_started_here(services):
    """The tests' own app stops running jobs meanwhile: it would otherwise take over a killed
    service's job itself, and the test is that the service started again does."""
    await services.jobs.stop()
    try:
        yield
    finally:
        await services.jobs.start()


@pytest.mark.usefixtures("only_services_started_here")
async def test_an_import_resumes_after_its_process_is_killed(crm, settings, tmp_path):
    job_id, seen = _import_and_kill(settings, tmp_path, crm.admin.token, 6000)
    assert seen["status"] == "RUNNING"
    interrupted = (await crm.admin.op("ImportJob", id=job_id)).data["importJob"]
    assert interrupted["status"] == "RUNNING"
    assert 0 < interrupted["processed"] < 6000
    assert await contact_count(crm) == interrupted["created"] == interrupted["processed"]
    service = Service(settings, tmp_path / "second.log")
    try:
        job = await finished(crm.admin, job_id, polls=5000)
    finally:
        service.stop()
    assert job["status"] == "COMPLETED"
    assert (job["processed"], job["created"], job["failed"]) == (6000, 6000, 0)
    emails = await Contact.get_pymongo_collection().distinct(
        "email", {"crm_id": PydanticObjectId(crm.crm_id)}
    )
    assert await contact_count(crm) == len(emails) == 6000


@pytest.mark.usefixtures("only_services_started_here")
async def test_an_import_that_cannot_resume_ends_failed_with_exact_counts(crm, settings, tmp_path):
    job_id, _ = _import_and_kill(settings, tmp_path, crm.admin.token, 6000)
    for upload_file in (Path(settings.data_dir) / "imports").glob(f"{job_id}.*"):
        upload_file.unlink()
    service = Service(settings, tmp_path / "second.log")
    try:
        job = await finished(crm.admin, job_id, polls=5000)
    finally:
        service.stop()
    assert job["status"] == "FAILED"
    assert "cannot be read" in job["message"]
    assert 0 < job["processed"] < 6000
    assert job["created"] == job["processed"] == await contact_count(crm)
