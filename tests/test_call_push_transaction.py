"""Issue 12.6: a version of a call and the CRM pushes it calls for (R10.3) are written in one
transaction, so a process that dies, or a database that refuses, between the two leaves neither.

The refusal is the database's own: a collection validator on ``crm_pushes`` that rejects the
pushes of one call, installed for the test and removed after it.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio
from beanie import PydanticObjectId

from models.call_event import CallEvent
from models.crm_push import CrmPush
from tests.calls import CallDesk, call_desk
from tests.zammad_cti import CtiEndpoint, cti_endpoint

TOKEN = "cti-token-transaction-0123"


@pytest.fixture
def zammad() -> Iterator[CtiEndpoint]:
    with cti_endpoint(TOKEN) as endpoint:
        yield endpoint


@pytest_asyncio.fixture
async def desk(tenant, services, zammad) -> CallDesk:
    desk = await call_desk(tenant, services)
    settings = {"ctiPushEnabled": True, "ctiEndpointUrl": zammad.url()}
    updated = await desk.admin.op(
        "UpdateCrm", id=desk.crm_id, input={"backend": {"zammad": settings}}
    )
    assert not updated.errors, updated.errors
    return desk


@asynccontextmanager
async def pushes_refused(validator: dict[str, Any]) -> AsyncIterator[None]:
    """While open, the database refuses every push that does not match ``validator``."""
    database = CrmPush.get_pymongo_collection().database
    await database.command("collMod", CrmPush.Settings.name, validator=validator)
    try:
        yield
    finally:
        await database.command("collMod", CrmPush.Settings.name, validator={})


async def stored_call(desk: CallDesk, call_id: str) -> dict[str, Any] | None:
    return await CallEvent.get_pymongo_collection().find_one(
        {"tenant_id": PydanticObjectId(desk.tenant.id), "call_id": call_id}
    )


async def stored_events(desk: CallDesk, call_id: str) -> list[str]:
    cursor = CrmPush.get_pymongo_collection().find(
        {"tenant_id": PydanticObjectId(desk.tenant.id), "call_id": call_id}, sort=[("order", 1)]
    )
    return [push["event"] async for push in cursor]


async def test_a_new_call_whose_push_is_refused_is_not_stored(desk):
    async with pushes_refused({"call_id": {"$ne": "doomed-1"}}):
        refused = await desk.report("doomed-1", "500 000 001")
    assert refused.errors
    assert await stored_call(desk, "doomed-1") is None
    assert await stored_events(desk, "doomed-1") == []

    # The telephony side reports it again: now both are written.
    assert not (await desk.report("doomed-1", "500 000 001")).errors
    assert (await stored_call(desk, "doomed-1"))["status"] == "RINGING"
    assert await stored_events(desk, "doomed-1") == ["newCall"]


async def test_a_change_whose_push_is_refused_leaves_the_call_as_it_was(desk):
    assert not (await desk.report("doomed-2", "500 000 001")).errors
    refuse_hangup = {"$or": [{"call_id": {"$ne": "doomed-2"}}, {"event": {"$ne": "hangup"}}]}
    async with pushes_refused(refuse_hangup):
        refused = await desk.telephony.op("ReportCallEnded", callId="doomed-2", cause="busy")
    assert refused.errors
    call = await stored_call(desk, "doomed-2")
    assert (call["status"], call["revision"]) == ("RINGING", 0)
    assert await stored_events(desk, "doomed-2") == ["newCall"]

    ended = await desk.telephony.op("ReportCallEnded", callId="doomed-2", cause="busy")
    assert not ended.errors, ended.errors
    assert (await stored_call(desk, "doomed-2"))["status"] == "ENDED"
    assert await stored_events(desk, "doomed-2") == ["newCall", "hangup"]


async def test_every_change_of_a_call_queues_its_pushes(desk):
    assert not (await desk.report("c-ok", "500 000 001")).errors
    answered = await desk.telephony.op("ReportCallAnswered", callId="c-ok", agentId=desk.agent.id)
    assert not answered.errors, answered.errors
    assert await stored_events(desk, "c-ok") == ["newCall", "answer"]
    assert not (await desk.telephony.op("ReportCallEnded", callId="c-ok")).errors
    assert await stored_events(desk, "c-ok") == ["newCall", "answer", "hangup"]
