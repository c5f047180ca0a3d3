"""Fixtures: one embedded database server for the run, one app on it, and fresh companies.

Every test talks to the real server over a real socket; each test makes its own companies, so
tests do not depend on each other's data.
"""

import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from beanie import PydanticObjectId
from starlette.applications import Starlette

from app.embedded import EmbeddedServer
from app.server import create_app
from app.services import Services
from app.settings import Settings
from app.tokens import TokenKind
from models.crm import Crm
from models.values import name_key
from tests.client import GraphQLClient

PASSWORD = "correct horse battery"
_counter = itertools.count()


@pytest.fixture(scope="session")
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="crm-tests-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def mongodb_uri(data_dir: Path) -> Iterator[str]:
    server = EmbeddedServer(data_dir / "embedded").start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def settings(mongodb_uri: str, data_dir: Path) -> Settings:
    return Settings(
        mongodb_uri=mongodb_uri,
        database=f"crm_test_{uuid.uuid4().hex[:8]}",
        data_dir=data_dir,
        jwt_secret="test-jwt-secret-of-sufficient-length-0123456789",
        login_failure_delay=0,
        login_max_failures=3,
        # The tests' vendors (tests/zammad_cti.py) serve plain http on loopback; the outbound
        # rules themselves are tested on a service without these (tests/test_outbound_urls.py).
        outbound_allow_http=True,
        outbound_allow_private=True,
    )


@pytest_asyncio.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def services(app: Starlette) -> Services:
    return app.state.services


@pytest_asyncio.fixture(scope="session")
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def anonymous(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
def operator(http: httpx.AsyncClient, services: Services) -> GraphQLClient:
    return GraphQLClient(http, services.tokens.issue(TokenKind.OPERATOR, "operator"))


@dataclass
class Tenant:
    """A company made for one test, with a client logged in as its admin."""

    id: str
    name: str
    admin_email: str
    admin: GraphQLClient

    async def add_user(self, roles: list[str], permissions: list[str] | None = None) -> "Member":
        email = f"user{next(_counter)}-{uuid.uuid4().hex[:6]}@{self.name.lower()}.example"
        created = await self.admin.op(
            "CreateUser",
            input={
                "email": email,
                "password": PASSWORD,
                "displayName": f"User {email}",
                "roles": roles,
                "permissions": permissions or [],
            },
        )
        user_id = created.data["createUser"]["id"]
        return Member(id=user_id, email=email, client=await login(self.admin, email))


@dataclass
class Member:
    id: str
    email: str
    client: GraphQLClient


async def make_crm(tenant: Tenant, name: str = "Sales") -> str:
    """A CRM of ``tenant``, stored directly, for tests whose subject is not the CRM API."""
    crm = Crm(tenant_id=PydanticObjectId(tenant.id), name=name, name_key=name_key(name))
    await crm.insert()
    return str(crm.id)


async def login(client: GraphQLClient, email: str, password: str = PASSWORD) -> GraphQLClient:
    result = await client.as_(None).op("Login", email=email, password=password)
    return client.as_(result.data["login"]["token"])


@pytest.fixture
def new_tenant(operator: GraphQLClient):
    async def make(prefix: str = "Co") -> Tenant:
        name = f"{prefix}{next(_counter)}x{uuid.uuid4().hex[:6]}"
        admin_email = f"admin@{name.lower()}.example"
        created = await operator.op(
            "CreateCompany",
            input={"name": name, "adminEmail": admin_email, "adminPassword": PASSWORD},
        )
        company_id = created.data["createCompany"]["id"]
        return Tenant(company_id, name, admin_email, await login(operator, admin_email))

    return make


@pytest_asyncio.fixture
async def tenant(new_tenant) -> Tenant:
    return await new_tenant()


@dataclass
class LiveServer:
    """The service run by ``crm serve`` (uvicorn) in a child process, on the test database."""

    base_url: str
    ws_url: str
    output: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(
    base_url: str, process: subprocess.Popen, timeout: float = 30, log: Path | None = None
) -> None:
    """Until ``/readyz`` answers; ``log``: the service's output, told if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = f":\n{log.read_text()}" if log is not None else ""
            raise RuntimeError(f"the service exited with {process.returncode}{output}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the service did not become ready")


def clean_env() -> dict[str, str]:
    """This process's environment without any ``CRM_`` setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = clean_env()
    env.update(
        CRM_MONGODB_URI=settings.mongodb_uri or "",
        CRM_DATABASE=settings.database,
        CRM_DATA_DIR=str(settings.data_dir),
        CRM_JWT_SECRET=settings.jwt_secret or "",
        CRM_LOG_LEVEL="WARNING",
        CRM_OUTBOUND_ALLOW_HTTP=str(settings.outbound_allow_http).lower(),
        CRM_OUTBOUND_ALLOW_PRIVATE=str(settings.outbound_allow_private).lower(),
    )
    env.update(extra)
    return env


@contextmanager
def running_service(settings: Settings, data_dir: Path, **env: str) -> Iterator[LiveServer]:
    """``crm serve`` in a child process on the test database, until the block ends."""
    port = free_port()
    output = data_dir / f"live-server-{port}.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)],
            env=service_env(settings, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process)
        yield LiveServer(base_url, f"ws://127.0.0.1:{port}/graphql", output)
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="session")
def live_server(settings: Settings, data_dir: Path) -> Iterator[LiveServer]:
    with running_service(settings, data_dir, CRM_CORS_ORIGINS="https://app.example") as server:
        yield server
