"""The embedded database going away under ``crm serve`` (issue 12.2, 12.3): real service
processes on a temporary data directory, without ``CRM_MONGODB_URI``, so that they run (or attach
to) the embedded server themselves.

Bounds are generous (a loaded machine starts the database server in seconds); what they guard
against took 30 s (``/readyz``, requests) or never ended (shutdown).
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from app.demo import AGENT_EMAIL, DEMO_PASSWORD
from app.embedded import RECORD_FILE, EmbeddedServer
from app.tokens import TokenKind, TokenService
from models.company import Company
from tests.client import NO_SUCH_ID
from tests.conftest import LiveServer, clean_env, free_port, wait_until_ready
from tests.operations import document
from tests.test_call_subscriptions import call_probe, client_of, subscription, until_subscribed
from tests.test_cli import demo_token

JWT_SECRET = "lifecycle-test-jwt-secret-of-sufficient-length-0123"
TOKENS = TokenService(JWT_SECRET, 3600)
STARTUP = 60.0  # the service, or the database server started again, answering
STOPPED = 15.0  # crm serve must end within 10 s of SIGTERM or SIGINT
PROBE = 5.0  # /readyz and a request while the database is away (they took 30 s)


@dataclass
class Service:
    """One ``crm serve`` child process."""

    process: subprocess.Popen[bytes]
    live: LiveServer

    @classmethod
    def start(cls, data_dir: Path, *args: str, **env: str) -> "Service":
        port = free_port()
        log = data_dir.parent / f"serve-{port}.log"
        environment = clean_env()
        environment.update(
            CRM_DATA_DIR=str(data_dir), CRM_JWT_SECRET=JWT_SECRET, CRM_LOG_LEVEL="INFO", **env
        )
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", str(port), *args],
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # no terminal: serve --demo writes its token to a file
            )
        base_url = f"http://127.0.0.1:{port}"
        service = cls(process, LiveServer(base_url, f"ws://127.0.0.1:{port}/graphql", log))
        wait_until_ready(base_url, process, STARTUP, log)
        return service

    @property
    def log(self) -> str:
        return self.live.output.read_text()

    def get(self, path: str, timeout: float = PROBE) -> httpx.Response:
        return httpx.get(self.live.base_url + path, timeout=timeout)

    def post(self, token: str | None, name: str, **variables: object) -> httpx.Response:
        return httpx.post(
            self.live.base_url + "/graphql",
            json={"query": document(name), "operationName": name, "variables": variables},
            headers={"Authorization": f"Bearer {token}"} if token else {},
            timeout=PROBE,
        )

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Sends ``sig``; the exit status (the test fails when the process outlives STOPPED)."""
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=STOPPED)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            message = f"crm serve outlived {sig.name} by {STOPPED} s:\n{self.log}"
            raise AssertionError(message) from None

    def end(self) -> None:
        """Ends the process however the test went: SIGTERM first, so that it stops the database
        server it may run (a child in its own session, which SIGKILL would leave running)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOPPED)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def eventually(condition: Callable[[], bool], within: float = STARTUP) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.1)


def status(service: Service, path: str) -> int:
    return service.get(path).status_code


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "2"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"


@pytest.fixture
def processes() -> Iterator[list[Service]]:
    """The test's service processes: killed at the end whatever happened."""
    started: list[Service] = []
    yield started
    for service in started:
        service.end()


def _database(data_dir: Path) -> MongoClient:
    record = json.loads((data_dir / "embedded" / RECORD_FILE).read_text())
    return MongoClient(f"mongodb://127.0.0.1:{record['port']}/?directConnection=true")


def test_a_process_whose_database_went_away_starts_it_again(tmp_path, processes):
    """12.2: the process that ran the database stops; the one attached to it takes the data
    directory's lock and starts the database again (on the same port), and each stops promptly
    on SIGTERM or SIGINT (a process following another's restart: the next test)."""
    data_dir = tmp_path / "data"
    first = Service.start(data_dir, "--demo")
    processes.append(first)
    admin = demo_token(data_dir, first.live.output)
    second = Service.start(data_dir)
    processes.append(second)
    assert "using the embedded database" in second.log

    first.stop(signal.SIGTERM)
    eventually(lambda: status(second, "/healthz") == 503)
    assert status(second, "/readyz") == 503  # at once, not after 30 s
    eventually(lambda: status(second, "/readyz") == 200)
    assert second.post(admin, "Me").json()["data"]["me"]["projects"][0]["name"] == "Infolinia"
    assert status(second, "/healthz") == 200

    second.stop(signal.SIGINT)
    assert not (data_dir / "embedded" / RECORD_FILE).exists()


def test_without_its_database_a_process_answers_503_at_once_and_exits_saying_why(
    tmp_path, processes
):
    """12.2/12.3: the database is gone and cannot be started again (this test holds the data
    directory's lock): requests answer SERVICE_UNAVAILABLE at once and store nothing; a process
    that waits no longer exits naming the reason; one started again is found."""
    data_dir = tmp_path / "data"
    database = EmbeddedServer(data_dir / "embedded").attach_or_start()
    try:
        patient = Service.start(data_dir)
        processes.append(patient)
        impatient = Service.start(data_dir, CRM_DATABASE_LOST_EXIT_SECONDS="2")
        processes.append(impatient)
        assert database.process is not None
        database.process.kill()
        database.process.wait()

        eventually(lambda: status(patient, "/healthz") == 503)
        assert status(patient, "/readyz") == 503
        operator = TOKENS.issue(TokenKind.OPERATOR, "operator")
        name = f"Gone{uuid.uuid4().hex[:8]}"
        created = patient.post(
            operator,
            "CreateCompany",
            input={"name": name, "adminEmail": "a@gone.example", "adminPassword": "long password"},
        )
        assert_unavailable(created)  # an error of the resolver
        assert_unavailable(patient.post(TOKENS.issue(TokenKind.USER, NO_SUCH_ID, NO_SUCH_ID), "Me"))
        event = {"type": "INCOMING", "callId": "gone-1", "from": "500000001"}
        telephony = TOKENS.issue(TokenKind.TELEPHONY, NO_SUCH_ID, NO_SUCH_ID)
        assert_unavailable(
            httpx.post(
                patient.live.base_url + "/telephony/events",
                json=event,
                headers={"Authorization": f"Bearer {telephony}"},
                timeout=PROBE,
            )
        )

        assert impatient.process.wait(timeout=STARTUP) != 0
        assert "did not come back" in impatient.log

        database.start()  # on its port: the patient finds it again
        eventually(lambda: status(patient, "/readyz") == 200)
        assert _database(data_dir).crm[Company.Settings.name].count_documents({"name": name}) == 0
        patient.stop(signal.SIGTERM)
    finally:
        database.stop()


async def test_the_database_killed_under_the_service_is_started_again_and_no_call_is_lost(
    tmp_path, processes
):
    """12.3: kill -9 of the embedded server: the service starts it again, and an agent
    subscribed across the restart receives every call reported after it (the server comes back
    without its last, unflushed writes, whose positions the bus's resume token names)."""
    data_dir = tmp_path / "data"
    service = Service.start(data_dir, "--demo")
    processes.append(service)
    admin = demo_token(data_dir, service.live.output)
    project_id = service.post(admin, "Me").json()["data"]["me"]["projects"][0]["id"]
    login = service.post(None, "Login", email=AGENT_EMAIL, password=DEMO_PASSWORD).json()
    agent = login["data"]["login"]["token"]
    with _database(data_dir) as client:
        company = client.crm[Company.Settings.name].find_one({})
        client.admin.command("fsync")  # what the test set up survives the kill
    tenant_id = str(company["_id"])
    telephony_token = TOKENS.issue(TokenKind.TELEPHONY, tenant_id, tenant_id)

    async with (
        client_of(service.live, telephony_token) as telephony,
        subscription(service.live, agent, "IncomingCalls", "incomingCalls") as subscriber,
    ):
        report = call_probe(telephony, project_id)
        await until_subscribed([subscriber], report, "callId")
        assert await report(100) == "probe-100"
        assert (await subscriber.next())["callId"] == "probe-100"

        os.kill(json.loads((data_dir / "embedded" / RECORD_FILE).read_text())["pid"], 9)
        eventually(lambda: status(service, "/healthz") == 503)
        eventually(lambda: status(service, "/readyz") == 200)
        for attempt in (101, 102, 103):
            await report(attempt)
        assert [(await subscriber.next())["callId"] for _ in range(3)] == [
            "probe-101",
            "probe-102",
            "probe-103",
        ]
    assert "call bus: the database server was restarted" in service.log
    service.stop(signal.SIGTERM)
