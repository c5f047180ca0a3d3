"""What a token may do, and the CRM a request works in, are as fresh as the database, though the
service keeps principals and CRMs between requests (``app/kept_reads.py``): a change made through
this process takes effect on the very next request, one made by another process as soon as that
process has written it."""

import asyncio

import httpx
import pytest_asyncio

from tests.calls import CallDesk, call_desk
from tests.client import GraphQLClient
from tests.conftest import LiveServer
from tests.records import with_default_crm

# Enough for a change made by another process to arrive many times over (it takes milliseconds).
POLLS = 500


@pytest_asyncio.fixture
async def desk(tenant, services) -> CallDesk:
    return await call_desk(tenant, services)


async def test_new_roles_take_effect_on_the_next_request(tenant):
    agent = await tenant.add_user(["AGENT"])
    settings = {"callerIdAuthentication": True}
    assert (await agent.client.op("Me")).data["me"]["roles"] == ["AGENT"]
    refused = await agent.client.op("UpdateCompanySettings", input=settings)
    assert refused.error_code == "FORBIDDEN"

    await tenant.admin.op("UpdateUser", id=agent.id, input={"roles": ["ADMIN"]})
    assert (await agent.client.op("Me")).data["me"]["roles"] == ["ADMIN"]
    assert not (await agent.client.op("UpdateCompanySettings", input=settings)).errors

    await tenant.admin.op("UpdateUser", id=agent.id, input={"roles": ["AGENT"]})
    again = await agent.client.op("UpdateCompanySettings", input=settings)
    assert again.error_code == "FORBIDDEN"


async def test_a_change_of_members_takes_effect_on_the_next_match(desk):
    agent = desk.agent.client

    async def match() -> str | None:
        result = await agent.op("MatchCaller", phone="500000001", projectId=desk.project_id)
        return result.error_code if result.errors else None

    assert await match() is None
    await desk.admin.op("UpdateProject", id=desk.project_id, input={"memberIds": []})
    assert await match() == "NOT_FOUND"  # agents see only their projects
    await desk.admin.op("UpdateProject", id=desk.project_id, input={"memberIds": [desk.agent.id]})
    assert await match() is None


async def test_turning_the_crm_off_stops_the_telephony_side_at_once(desk):
    assert not (await desk.report("before", "500000001")).errors
    await desk.admin.op("UpdateCompanySettings", input={"crmEnabled": False})
    assert (await desk.report("after", "500000001")).error_code == "CRM_DISABLED"


async def test_a_change_made_by_another_process_reaches_this_one(tenant, live_server: LiveServer):
    agent = await tenant.add_user(["AGENT"])
    assert (await agent.client.op("Me")).status == 200  # this process knows the agent now

    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        elsewhere = GraphQLClient(http, tenant.admin.token)
        deactivated = await elsewhere.op("UpdateUser", id=agent.id, input={"active": False})
        assert deactivated.data["updateUser"]["active"] is False

    statuses = []
    for _ in range(POLLS):  # bounded polling: the stream's delivery is not instantaneous
        statuses.append((await agent.client.op("Me")).status)
        if statuses[-1] == 401:
            break
        await asyncio.sleep(0.02)
    assert statuses[-1] == 401, statuses


async def test_a_crm_changed_by_another_process_is_used_by_this_one(tenant, live_server):
    crm = await with_default_crm(tenant)
    contact = {"firstName": "Jan", "lastName": "Nowak"}
    assert not (await tenant.admin.op("CreateContact", input=contact)).errors  # CRM read here

    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        elsewhere = GraphQLClient(http, tenant.admin.token)
        stage = await elsewhere.op("CreateStage", input={"crmId": crm.crm_id, "name": "Oferta"})
        stage_id = stage.data["createStage"]["id"]

    codes = []
    for _ in range(POLLS):  # bounded polling: the stream's delivery is not instantaneous
        created = await tenant.admin.op("CreateContact", input={**contact, "stageId": stage_id})
        codes.append(created.error_code if created.errors else None)
        if codes[-1] is None:
            break
        await asyncio.sleep(0.02)
    assert codes[-1] is None, codes
