"""A service in a child process on a database of its own, with a call desk set up through its
API: for tests whose outcome depends on which process sends a CRM push. The processes of the
test session share one database and each runs a pusher, so any of them may send a push queued
there; here only the child can.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from app.services import Services
from app.settings import Settings
from app.tokens import TokenKind
from tests.calls import CallDesk
from tests.client import GraphQLClient
from tests.conftest import PASSWORD, LiveServer, Tenant, login, running_service


@dataclass
class IsolatedDesk:
    server: LiveServer
    desk: CallDesk
    # The child's database, for what a test must store past the API.
    database: AsyncDatabase


async def _desk(http: httpx.AsyncClient, services: Services) -> CallDesk:
    operator = GraphQLClient(http, services.tokens.issue(TokenKind.OPERATOR, "operator"))
    name = f"Iso{uuid.uuid4().hex[:8]}"
    admin_email = f"admin@{name.lower()}.example"
    created = await operator.op(
        "CreateCompany", input={"name": name, "adminEmail": admin_email, "adminPassword": PASSWORD}
    )
    company_id = created.data["createCompany"]["id"]
    tenant = Tenant(company_id, name, admin_email, await login(operator, admin_email))
    crm = await tenant.admin.op("CreateCrm", input={"name": "Zammad", "backend": {"zammad": {}}})
    crm_id = crm.data["createCrm"]["id"]
    agent = await tenant.add_user(["AGENT"])
    project = await tenant.admin.op(
        "CreateProject", input={"name": "Infolinia", "crmId": crm_id, "memberIds": [agent.id]}
    )
    token = services.tokens.issue(TokenKind.TELEPHONY, company_id, company_id)
    return CallDesk(
        tenant=tenant,
        crm_id=crm_id,
        project_id=project.data["createProject"]["id"],
        agent=agent,
        telephony=tenant.admin.as_(token),
    )


@asynccontextmanager
async def isolated_desk(
    settings: Settings, data_dir: Path, services: Services, **env: str
) -> AsyncIterator[IsolatedDesk]:
    """``crm serve`` with the test settings and ``env`` on a fresh database, until the block
    ends; the database is dropped then."""
    own = settings.model_copy(update={"database": f"crm_iso_{uuid.uuid4().hex[:8]}"})
    client: AsyncMongoClient = AsyncMongoClient(own.mongodb_uri, tz_aware=True)
    try:
        with running_service(own, data_dir, **env) as server:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
                desk = await _desk(http, services)
                yield IsolatedDesk(server, desk, client[own.database])
    finally:
        await client.drop_database(own.database)
        await client.close()
